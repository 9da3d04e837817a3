"""Evaluating the post-averaging defense (Lin, Kasra Ahmadi, Jiang), honestly: the paper's defense-unaware
protocol next to an adaptive attacker, and the clean-accuracy / radius trade-off.

:func:`evaluate_paper_protocol` — attacks computed on the base model (FGSM sweep, minimal PGD, DeepFool-L2,
C&W-L2, and the fixed-ε PGD control), minimal perturbations, L∞ ≤ 8/255 filter also for the L2 attacks, defense
rate (protocol of the authors' code, YupingLin171/PostAvgDefense). :func:`evaluate_adaptive` — PGD through the
averaged model with expectation over fresh random directions at every step (EOT), optionally the score-based Square
Attack on the defended model. The defense does not survive the adaptive attacker; always report both.
:func:`radius_tradeoff` — clean accuracy against the radius.

Example::

    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 3))
    >>> images, labels = torch.rand(6, 3, 8, 8), torch.arange(6) % 3
    >>> defended = PostAveraged(model, radius=0.5, n_directions=2, radius_space="input").eval()
    >>> paper = evaluate_paper_protocol(model, defended, images, labels, attacks="fgsm,pgd-fixed")
    >>> adaptive = evaluate_adaptive(model, defended, images, labels, steps=2, attacker_directions=2)
    >>> paper.protocol, adaptive.protocol
    ('paper', 'adaptive')
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.attacks import (
    AttackResult,
    carlini_wagner_l2,
    deepfool,
    eot_pgd,
    fgsm_sweep,
    minimal_pgd,
    pgd_attack,
    square_attack,
)
from freqlens.device import eval_mode
from freqlens.errors import ConfigError, InputError
from freqlens.inference import OutputSelector, accuracy, as_classifier, forward_logits, predict_labels
from freqlens.interventions.post_averaging import (
    LINF_BUDGET,
    PostAveraged,
    averaged_predictions,
    last_linear,
)
from freqlens.results import Result
from freqlens.validation import check_images, check_integer, check_labels_fit


# ------------------------------------------------------------------------------------------------------ attacks
def eot_pgd_on_defense(defended: PostAveraged, images: torch.Tensor, labels: torch.Tensor, eps: float = LINF_BUDGET,
                       steps: int = 20, step_size: float | None = None, n_directions: int = 5, eot_draws: int = 1,
                       seed: int = 0, max_batch: int = 64, random_start: bool = True) -> AttackResult:
    """Adaptive white-box L∞ EOT-PGD through a post-averaged model, on the attacker's own copy of the defense.

    At every step the loss is ``−log`` of the averaged softmax over a **fresh** set of sampled points
    (``n_directions`` = K_att directions, ``eot_draws`` independent sets), same radius, scales and space as the
    defense; the gradient flows through all of them (:func:`freqlens.attacks.eot.eot_pgd` on
    ``defended.variant(seed + 7919, n_directions)``).

    Args:
        defended: the :class:`PostAveraged` defense (its own generator is left untouched).
        images: (N, C, H, W) inside ``defended.bounds``; labels: (N,) int64.
        eps: L∞ radius in input units. steps: PGD iterations. step_size: default ``2.5·eps/steps``.
        n_directions: K_att directions of the attacker's copy. eot_draws: averaged sets per step.
        seed: seeds the random start and the attacker's copy. max_batch: images per pass.
        random_start: start uniformly inside the ball.

    Returns:
        :class:`~freqlens.attacks.result.AttackResult` (``attack="eot_pgd"``), ``‖x_adv − x‖∞ ≤ eps``, without
        predictions (the caller classifies with the defense's own draws).

    Raises:
        InputError: as :func:`freqlens.attacks.eot.eot_pgd`.

    Source:
        Athalye, Carlini, Wagner, ICML 2018, Sec. 4.3 (EOT), against Lin, Kasra Ahmadi, Jiang's post-averaging
        (the adaptive control freqlens adds to the paper's protocol).

    Example:
        >>> import torch
        >>> torch.manual_seed(0) and None
        >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
        >>> x, y = torch.rand(3, 1, 2, 2), torch.tensor([0, 1, 0])
        >>> defended = PostAveraged(net, 0.5, n_directions=2, radius_space="input")
        >>> res = eot_pgd_on_defense(defended, x, y, eps=0.05, steps=2)
        >>> bool((res.linf <= 0.05 + 1e-6).all())
        True
    """
    attacker = defended.variant(seed + 7919, n_directions)
    step = step_size if step_size is not None else 2.5 * eps / steps
    return eot_pgd(attacker, images, labels, eps=eps, steps=steps, step_size=step, eot_draws=eot_draws,
                   scores="probabilities", bounds=defended.bounds or (0.0, 1.0), seed=seed, max_batch=max_batch,
                   random_start=random_start, predict=False)


# ------------------------------------------------------------------------------------------- evaluations
@dataclass
class DefenseEvaluation(Result):
    """Clean and attacked accuracy of a base model and its post-averaged version.

    ``attacks[name]`` holds: ``threat`` ("transfer" = computed on the base model, "adaptive" = through the
    defense), ``n_images``, ``n_attacked`` (images the base model got right), ``n_counted`` (adversarials that fool
    the base model within L∞ ≤ ``linf_budget``), ``defense_rate`` (fraction of counted adversarials the defended
    model classifies correctly; NaN when none), ``base_accuracy`` / ``defended_accuracy`` on the attacked set
    (per image: the counted adversarial if one exists, else the clean image), ``median_eps`` (L∞ of the counted
    adversarials), and for transfer attacks ``median_l2``. Attack names: ``fgsm_sweep``, ``pgd_minimal``,
    ``deepfool``, ``cw``, ``pgd_fixed`` (transfer) and ``eot_pgd``, ``square`` (adaptive; every image attacked,
    ``defended_accuracy`` = robust accuracy; ``square`` may run on the first ``n_images`` only).

    Args:
        protocol: "paper" (defense-unaware, transferred) or "adaptive".
        radius: averaging radius, in ``radius_space`` units; radius_space: "normalized" or "input".
        radius_pixel: the radius in input (pixel) units.
        n_directions: K directions; n_samples: forward passes per image.
        n_images: images evaluated.
        clean_accuracy_base, clean_accuracy_defended: clean accuracies in [0, 1].
        linf_budget: L∞ budget of the attacks, input units (8/255).
        attacks: per attack, the entries above.
        notes: free text.

    Attributes:
        The arguments; :meth:`robust_accuracy` and :meth:`plot`
        (:func:`~freqlens.plot.post_averaging.plot_defense_evaluation`).

    Raises:
        Nothing of its own.

    Source:
        Lin, Kasra Ahmadi and Jiang 2019 (arXiv 1905.12797), defense evaluation; adaptive attacks: freqlens.

    Example:
        >>> ev = DefenseEvaluation(protocol="paper", radius=6.0, radius_space="normalized", radius_pixel=1.5,
        ...                        n_directions=15, n_samples=91, n_images=10, clean_accuracy_base=0.9,
        ...                        clean_accuracy_defended=0.88, linf_budget=8 / 255,
        ...                        attacks={"pgd_fixed": {"base_accuracy": 0.0, "defended_accuracy": 0.4}})
        >>> ev.attacks["pgd_fixed"]["defended_accuracy"], round(ev.linf_budget * 255)
        (0.4, 8)
    """

    protocol: str
    radius: float
    radius_space: str
    radius_pixel: float
    n_directions: int
    n_samples: int
    n_images: int
    clean_accuracy_base: float
    clean_accuracy_defended: float
    linf_budget: float
    attacks: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: str = ""

    def plot(self, ax=None):
        from freqlens.plot.post_averaging import plot_defense_evaluation

        return plot_defense_evaluation(self, ax=ax)

    def robust_accuracy(self, attack: str) -> float:
        """Defended accuracy on the attacked set of ``attack``."""
        return float(self.attacks[attack]["defended_accuracy"])


def _attack_summary(base_pred_adv, def_pred_adv, base_clean, def_clean, y, counted, attacked, eps, threat) -> dict:
    n_counted = int(counted.sum())
    rate = float((def_pred_adv[counted] == y[counted]).float().mean()) if n_counted else float("nan")
    base_final = torch.where(counted, base_pred_adv, base_clean)
    def_final = torch.where(counted, def_pred_adv, def_clean)
    e = eps[counted]
    return {"threat": threat, "n_images": int(y.numel()), "n_attacked": int(attacked.sum()), "n_counted": n_counted,
            "success_rate_base": n_counted / max(1, int(attacked.sum())), "defense_rate": rate,
            "base_accuracy": float((base_final == y).float().mean()),
            "defended_accuracy": float((def_final == y).float().mean()),
            "median_eps": float(e.median()) if n_counted else float("nan")}


def _base_predictions(model, x, max_batch=512):
    return predict_labels(model, x, max_batch=max_batch)


def _transfer_attack(name, model, defended, x, y, base_clean, def_clean, progress, seed, max_batch, budget,
                     pgd_steps=20, deepfool_steps=100, cw_steps=1000, cw_binary_search_steps=5, null_defense=None):
    attacked = base_clean == y
    idx = torch.nonzero(attacked).flatten()
    adv = x.clone()
    eps = torch.full((x.shape[0],), math.inf)
    if idx.numel():
        xa, ya = x[idx], y[idx]
        if name == "fgsm_sweep":
            r = fgsm_sweep(model, xa, ya, eps_max=2 * budget, max_batch=max_batch)
            a, e = r.adversarial, r.distance
        elif name == "pgd_minimal":
            r = minimal_pgd(model, xa, ya, eps_max=2 * budget, steps=pgd_steps, relative_step=4 / (3 * pgd_steps),
                            seed=seed, max_batch=max_batch, progress=progress)
            a, e = r.adversarial, r.distance
        elif name == "pgd_fixed":
            a = pgd_attack(model, xa, ya, eps=budget, step_size=2 / 255, steps=20, random_start=True, seed=seed,
                           max_batch=max_batch, predict=False).adversarial
            e = (a - xa).flatten(1).abs().amax(1)
        elif name == "deepfool":
            r = deepfool(model, xa, ya, steps=deepfool_steps, max_batch=max_batch, progress=progress)
            a, e = r.adversarial, r.linf.masked_fill(~r.success, math.inf)
        elif name == "cw":
            r = carlini_wagner_l2(model, xa, ya, binary_search_steps=cw_binary_search_steps, steps=cw_steps,
                                  max_batch=max_batch, progress=progress)
            a, e = r.adversarial, r.linf.masked_fill(~r.success, math.inf)
        else:  # pragma: no cover - internal names only
            raise ConfigError(f"unknown attack {name!r}")
        adv[idx], eps[idx] = a, e
    linf = (adv - x).flatten(1).abs().amax(1)
    base_adv = _base_predictions(model, adv, max_batch)
    counted = attacked & (base_adv != y) & (linf <= budget + 1e-6)
    def_adv = def_clean.clone()
    if bool(counted.any()):
        def_adv[counted] = averaged_predictions(defended, adv[counted], progress)
    summary = _attack_summary(base_adv, def_adv, base_clean, def_clean, y, counted, attacked,
                              linf.where(counted, eps), "transfer")
    l2 = (adv - x).flatten(1).norm(dim=1)[counted]
    summary["median_l2"] = float(l2.median()) if l2.numel() else float("nan")
    if null_defense is not None:
        rate = float("nan")
        if bool(counted.any()):
            rate = float((averaged_predictions(null_defense, adv[counted], progress) == y[counted]).float().mean())
        summary["defense_rate_null"] = rate
    return summary


def _check_eval_inputs(model, defended, images, labels):
    if not isinstance(defended, PostAveraged):
        raise InputError(f"defended must be a PostAveraged wrapper, got {type(defended).__name__}")
    check_images(images, labels, defended.bounds)
    with eval_mode(model), torch.inference_mode():
        logits = forward_logits(model, images[:2])
    check_labels_fit(logits, labels)


#: every attack :func:`evaluate_paper_protocol` knows, in its default order: the four of the paper's protocol
#: (the authors' code) and freqlens's fixed-ε control
PAPER_ATTACKS = ("fgsm_sweep", "pgd_minimal", "deepfool", "cw", "pgd_fixed")
#: short names accepted too (the CLI's ``--attacks fgsm,pgd,deepfool,cw,pgd-fixed``)
ATTACK_ALIASES = {"fgsm": "fgsm_sweep", "pgd": "pgd_minimal", "pgd-fixed": "pgd_fixed", "cw-l2": "cw",
                  "deepfool-l2": "deepfool", "carlini-wagner": "cw"}


def resolve_attack_names(attacks: Sequence[str] | str) -> tuple[str, ...]:
    """Canonical attack names of the paper protocol: aliases such as ``fgsm``, ``pgd``, ``pgd-fixed`` resolved,
    duplicates dropped, a comma-separated string split.

    Args:
        attacks: names, or one comma-separated string.

    Returns:
        A tuple of names among ``fgsm_sweep``, ``pgd_minimal``, ``deepfool``, ``cw`` and ``pgd_fixed``.

    Raises:
        ConfigError: an unknown name, or an empty list.

    Source:
        freqlens.

    Example:
        >>> resolve_attack_names("fgsm,pgd,deepfool,cw,pgd")
        ('fgsm_sweep', 'pgd_minimal', 'deepfool', 'cw')
    """
    if isinstance(attacks, str):
        attacks = [a for a in (t.strip() for t in attacks.split(",")) if a]
    names = tuple(dict.fromkeys(ATTACK_ALIASES.get(str(a), str(a)) for a in attacks))
    unknown = [a for a in names if a not in PAPER_ATTACKS]
    if unknown:
        raise ConfigError(f"unknown attack(s) {unknown}; expected some of {list(PAPER_ATTACKS)} "
                          f"or {sorted(ATTACK_ALIASES)}")
    if not names:
        raise ConfigError(f"attacks is empty; expected some of {list(PAPER_ATTACKS)}")
    return names


def evaluate_paper_protocol(model: nn.Module, defended: PostAveraged, images: torch.Tensor, labels: torch.Tensor,
                            attacks: Sequence[str] = PAPER_ATTACKS, linf_budget: float = LINF_BUDGET,
                            seed: int = 0, max_batch: int = 256, progress: bool = False,
                            minimal_pgd_steps: int = 20, deepfool_steps: int = 100, cw_steps: int = 1000,
                            cw_binary_search_steps: int = 5, output: OutputSelector = None,
                            amp: bool = False, null_defense: PostAveraged | None = None) -> DefenseEvaluation:
    """The paper's defense-unaware protocol (the authors' code, YupingLin171/PostAvgDefense): adversarials computed
    on the **base** model for the images it classifies correctly, counted when they fool it within
    L∞ ≤ ``linf_budget``, then shown to the defense.

    ``attacks`` (default: all): ``"fgsm_sweep"``, ``"pgd_minimal"``, ``"deepfool"`` (L2, 10 candidates, overshoot
    0.02) and ``"cw"`` (C&W L2, confidence 0) — minimal perturbations, as in the paper; the L2 attacks are counted
    only within the same L∞ budget (as in the authors' code) — and the honest control ``"pgd_fixed"`` (fixed
    ε = budget, 20 steps of 2/255, random start, no early stop; freqlens's control). Short names ``fgsm``, ``pgd``,
    ``pgd-fixed`` work.
    Images (N, C, H, W) in ``defended.bounds``; labels (N,). ``minimal_pgd_steps``: iterations of each minimal-PGD
    run (step = 4ε/(3·steps); Foolbox's default is 40 with step ε/30 — finer steps land closer to the boundary).
    ``deepfool_steps`` (Foolbox 100), ``cw_steps`` (Foolbox 1000) and ``cw_binary_search_steps`` (Foolbox 5) size
    the L2 attacks. Every summary has the fields listed in :class:`DefenseEvaluation` plus ``median_l2``.
    ``output`` picks the base model's class scores (a dict key, a tuple index or a callable) and ``amp`` runs it
    under autocast; build ``defended`` with the same ``output=``.
    ``null_defense`` (optional, e.g. two random points at radius r instead of the 91-point average) is shown the
    same counted adversarials; its rate is ``defense_rate_null`` — the null of the defense rate.

    Args:
        model: the base classifier.
        defended: its :class:`~freqlens.interventions.post_averaging.PostAveraged` wrapper.
        images: (N, C, H, W) in ``defended.bounds``; labels: (N,).
        attacks: attack names or aliases (:func:`resolve_attack_names`).
        linf_budget: L∞ budget (input units, 8/255).
        seed: attack seed.
        max_batch: images per attack batch.
        progress: show progress bars.
        minimal_pgd_steps, deepfool_steps, cw_steps, cw_binary_search_steps: attack sizes (see above).
        output, amp: the output selector and autocast.
        null_defense: a null defense shown the same adversarials.

    Returns:
        :class:`DefenseEvaluation` with protocol "paper".

    Raises:
        InputError: images or labels of the wrong shape or outside the bounds.
        ConfigError: an unknown attack name.

    Source:
        Lin, Kasra Ahmadi and Jiang 2019 (arXiv 1905.12797), the evaluation protocol of its code.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 3))
        >>> defended = PostAveraged(net, 0.5, n_directions=2, radius_space="input")
        >>> ev = evaluate_paper_protocol(net, defended, torch.rand(6, 3, 8, 8), torch.arange(6) % 3,
        ...                              attacks="fgsm,pgd-fixed")
        >>> sorted(ev.attacks), ev.attacks["pgd_fixed"]["threat"]
        (['fgsm_sweep', 'pgd_fixed'], 'transfer')
    """
    model = as_classifier(model, output, amp=amp)
    _check_eval_inputs(model, defended, images, labels)
    attacks = resolve_attack_names(attacks)
    for value, name in ((minimal_pgd_steps, "minimal_pgd_steps"), (deepfool_steps, "deepfool_steps"),
                        (cw_steps, "cw_steps"), (cw_binary_search_steps, "cw_binary_search_steps")):
        check_integer(value, name)
    x, y = images.cpu(), labels.cpu()
    base_clean = _base_predictions(model, x, max_batch)
    def_clean = averaged_predictions(defended, x, progress)
    out = DefenseEvaluation("paper", defended.radius, defended.radius_space, defended.radius_pixel,
                            defended.n_directions, defended.n_samples, int(y.numel()),
                            float((base_clean == y).float().mean()), float((def_clean == y).float().mean()),
                            float(linf_budget))
    for i, name in enumerate(attacks):
        out.attacks[name] = _transfer_attack(name, model, defended, x, y, base_clean, def_clean, progress, seed + i,
                                             max_batch, linf_budget, minimal_pgd_steps, deepfool_steps, cw_steps,
                                             cw_binary_search_steps, null_defense)
    return out


def evaluate_adaptive(model: nn.Module, defended: PostAveraged, images: torch.Tensor, labels: torch.Tensor,
                      eps: float = LINF_BUDGET, steps: int = 20, attacker_directions: int = 5, eot_draws: int = 1,
                      seed: int = 0, max_batch: int = 64, progress: bool = False,
                      include_paper_pgd: bool = True, square_queries: int = 0, square_p_init: float = 0.05,
                      square_directions: int | None = None, square_images: int | None = None,
                      output: OutputSelector = None, amp: bool = False) -> DefenseEvaluation:
    """Adaptive white-box evaluation (freqlens's control, not in the paper): :func:`eot_pgd_on_defense` through the
    post-averaged model on every image, then the defense (its own fresh directions) classifies the result.
    ``attacks["eot_pgd"]["defended_accuracy"]`` is the robust accuracy. With ``include_paper_pgd`` the paper-style
    minimal transfer PGD on the same images is added (``attacks["pgd_minimal"]``) so the two can be read side by
    side.

    ``square_queries > 0`` adds the score-based black-box Square Attack (L∞, ``eps``; optional, the attack that
    broke post-averaging in Andriushchenko et al. 2020, Square Attack, Table 10) on the defended model: the attacker
    queries its own copy of the defense (same radius and space, ``square_directions`` directions, default the
    defense's K, a different seed: fresh randomness at every query) and sees only its averaged softmax (margin of
    log-probabilities); then the defense classifies the result. ``attacks["square"]["defended_accuracy"]`` is
    the robust accuracy; ``median_queries`` and ``attacker_success_rate`` (what the attacker believed) are added.
    Each query costs ``n_samples`` forward passes per image; ``square_images`` limits it to the first images.
    Images (N, C, H, W), labels (N,). ``output`` picks the base model's class scores (a dict key, a tuple index
    or a callable) and ``amp`` runs it under autocast; build ``defended`` with the same ``output=``.

    Args:
        model: the base classifier.
        defended: its :class:`~freqlens.interventions.post_averaging.PostAveraged` wrapper.
        images: (N, C, H, W) in ``defended.bounds``; labels: (N,).
        eps: L∞ budget (input units, 8/255).
        steps: EOT-PGD steps.
        attacker_directions: directions of the attacker's copy of the defense.
        eot_draws: expectation-over-transformation draws per step.
        seed: attack seed.
        max_batch: images per attack batch.
        progress: show progress bars.
        include_paper_pgd: add the paper's minimal transfer PGD on the same images.
        square_queries: Square Attack query budget (0: no Square Attack).
        square_p_init: Square Attack's initial square fraction.
        square_directions: directions of the Square attacker's defense copy (default: the defense's K).
        square_images: run Square Attack on the first images only.
        output, amp: the output selector and autocast.

    Returns:
        :class:`DefenseEvaluation` with protocol "adaptive"; ``attacks`` has ``eot_pgd`` (and ``pgd_minimal``,
        ``square`` when asked).

    Raises:
        InputError: images or labels of the wrong shape or outside the bounds; an invalid budget or setting.

    Source:
        Athalye, Carlini and Wagner 2018 (EOT); Andriushchenko et al. 2020 (Square Attack), applied to Lin et al.
        2019's post-averaging.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 3))
        >>> defended = PostAveraged(net, 0.5, n_directions=2, radius_space="input")
        >>> ev = evaluate_adaptive(net, defended, torch.rand(6, 3, 8, 8), torch.arange(6) % 3, steps=2,
        ...                        attacker_directions=2, include_paper_pgd=False)
        >>> ev.protocol, sorted(ev.attacks), 0.0 <= ev.robust_accuracy("eot_pgd") <= 1.0
        ('adaptive', ['eot_pgd'], True)
    """
    model = as_classifier(model, output, amp=amp)
    _check_eval_inputs(model, defended, images, labels)
    check_integer(steps, "steps")
    check_integer(square_queries, "square_queries (0 disables the Square Attack)", minimum=0)
    if square_images is not None:
        check_integer(square_images, "square_images")
    x, y = images.cpu(), labels.cpu()
    base_clean = _base_predictions(model, x)
    def_clean = averaged_predictions(defended, x, progress)
    out = DefenseEvaluation("adaptive", defended.radius, defended.radius_space, defended.radius_pixel,
                            defended.n_directions, defended.n_samples, int(y.numel()),
                            float((base_clean == y).float().mean()), float((def_clean == y).float().mean()),
                            float(eps))
    if include_paper_pgd:
        out.attacks["pgd_minimal"] = _transfer_attack("pgd_minimal", model, defended, x, y, base_clean, def_clean,
                                                      progress, seed, 256, eps)
    chunks = []
    for s in tqdm(range(0, x.shape[0], max_batch), disable=not progress, desc="EOT-PGD", leave=False):
        chunks.append(eot_pgd_on_defense(defended, x[s:s + max_batch], y[s:s + max_batch], eps=eps, steps=steps,
                                         n_directions=attacker_directions, eot_draws=eot_draws, seed=seed + s,
                                         max_batch=max_batch).adversarial)
    adv = torch.cat(chunks)
    base_adv = _base_predictions(model, adv)
    def_adv = averaged_predictions(defended, adv, progress)
    everyone = torch.ones_like(y, dtype=torch.bool)
    linf = (adv - x).flatten(1).abs().amax(1)
    # every image is attacked and counted: defended_accuracy (= defense_rate) is the robust accuracy
    summary = _attack_summary(base_adv, def_adv, base_clean, def_clean, y, everyone, everyone, linf, "adaptive")
    summary.update({"steps": steps, "attacker_directions": attacker_directions, "eot_draws": eot_draws})
    out.attacks["eot_pgd"] = summary
    out.notes = ("eot_pgd: PGD on -log of the averaged softmax, fresh directions at every step; "
                 "defended_accuracy is the robust accuracy")
    if square_queries:
        out.attacks["square"] = _square_on_defense(model, defended, x, y, base_clean, def_clean, eps,
                                                   int(square_queries), square_p_init, square_directions,
                                                   square_images, seed, progress)
        out.notes += ("; square: score-based Square Attack (L∞) querying the averaged softmax, "
                      "defended_accuracy is the robust accuracy")
    return out


def _square_on_defense(model, defended, x, y, base_clean, def_clean, eps, n_queries, p_init, directions, n_images,
                       seed, progress) -> dict:
    if n_images is not None:
        x, y, base_clean, def_clean = x[:n_images], y[:n_images], base_clean[:n_images], def_clean[:n_images]
    attacker = defended.variant(seed + 104729, directions)
    res = square_attack(attacker, x, y, eps=eps, n_queries=n_queries, p_init=p_init,
                        bounds=defended.bounds or (0.0, 1.0), seed=seed, scores="probabilities", progress=progress,
                        predict=False)
    adv = res.adversarial
    base_adv = _base_predictions(model, adv)
    def_adv = averaged_predictions(defended, adv, progress)
    everyone = torch.ones_like(y, dtype=torch.bool)
    linf = (adv - x).flatten(1).abs().amax(1)
    summary = _attack_summary(base_adv, def_adv, base_clean, def_clean, y, everyone, everyone, linf, "adaptive")
    summary.update({"clean_accuracy_defended": float((def_clean == y).float().mean()),
                    "n_queries": n_queries, "p_init": float(p_init), "attacker_directions": attacker.n_directions,
                    "median_queries": float(res.queries.float().median()),
                    "mean_queries": float(res.queries.float().mean()),
                    "attacker_success_rate": float(res.success.float().mean())})
    return summary


# ------------------------------------------------------------------------------------- clean accuracy vs r
@dataclass
class RadiusTradeoff(Result):
    """Clean accuracy of the post-averaged model for several radii and sampling modes.

    ``accuracy[mode]`` and ``radii[mode]`` are lists of the same length; modes are ``random``, ``ball``, ``approx``.

    Args:
        base_accuracy: clean accuracy of the base model, in [0, 1].
        default_radius: the default radius, in ``radius_space`` units.
        radius_space: "normalized" or "input".
        n_directions: K directions per image.
        n_images: images evaluated.
        radii: mode → radii.
        accuracy: mode → clean accuracy of the averaged model per radius.

    Attributes:
        The arguments; :meth:`plot` draws :func:`~freqlens.plot.post_averaging.plot_radius_tradeoff`.

    Raises:
        Nothing of its own.

    Source:
        Lin, Kasra Ahmadi and Jiang 2019 (arXiv 1905.12797), clean accuracy against radius.

    Example:
        >>> r = RadiusTradeoff(base_accuracy=0.9, default_radius=6.0, radius_space="normalized", n_directions=15,
        ...                    n_images=10, radii={"random": [3.0, 6.0]}, accuracy={"random": [0.9, 0.89]})
        >>> r.accuracy["random"][r.radii["random"].index(r.default_radius)]
        0.89
    """

    base_accuracy: float
    default_radius: float
    radius_space: str
    n_directions: int
    n_images: int
    radii: dict[str, list[float]]
    accuracy: dict[str, list[float]]

    def plot(self, ax=None):
        from freqlens.plot.post_averaging import plot_radius_tradeoff

        return plot_radius_tradeoff(self, ax=ax)


def radius_tradeoff(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, radii: Sequence[float],
                    modes: dict[str, Sequence[float]] | None = None, n_directions: int = 15, seed: int = 0,
                    radius_space: str = "normalized", input_std: Sequence[float] | None = None,
                    max_batch: int | None = None, progress: bool = False, default_radius: float | None = None,
                    output: OutputSelector = None, amp: bool | str = False, memory_budget: str | int | None = None,
                    channels_last: bool = False, compile: bool = False) -> RadiusTradeoff:
    """Clean accuracy of ``PostAveraged(model, r)`` for every r in ``radii`` with random directions.

    Args:
        model: the base classifier (logits (N, classes)).
        images: (N, C, H, W) inside the defense's bounds; labels: (N,) int64.
        radii: averaging radii, in ``radius_space`` units.
        modes: extra sampling modes, ``{"ball": [radii...], "approx": [radii...]}`` (approx uses
            K = min(n_directions, classes)).
        n_directions: K directions per image. seed: seeds every wrapper's generator.
        radius_space, input_std: as in :class:`~freqlens.interventions.post_averaging.PostAveraged`.
        max_batch: sample points per forward pass; None: from ``memory_budget`` and the measured throughput.
        progress: progress bars and the forward-pass count with an ETA.
        default_radius: the radius marked in the figure (default: the middle of ``radii``).
        output: picks the class scores from the model's output.
        amp: run the model under autocast; bf16 accuracies agree with float32 within 1 point (tested).
        memory_budget, channels_last, compile: passed to every wrapper (:class:`PostAveraged`).

    Returns:
        :class:`RadiusTradeoff`: accuracies in [0, 1] per mode and radius, and the base model's.

    Raises:
        InputError: bad images or labels; ConfigError: an unknown mode.

    Source: Lin, Kasra Ahmadi, Jiang 2019, "Bandlimiting neural networks against adversarial attacks" (clean
    accuracy against the averaging radius).

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        >>> res = radius_tradeoff(net, torch.rand(4, 1, 2, 2), torch.tensor([0, 1, 0, 1]), [0.1, 0.2],
        ...                       n_directions=2, radius_space="input")
        >>> len(res.accuracy["random"])
        2
    """
    check_images(images, labels)
    base = accuracy(model, images, labels, output=output, amp=amp)
    todo = {"random": list(radii)}
    todo.update({k: list(v) for k, v in (modes or {}).items()})
    acc: dict[str, list[float]] = {}
    for mode, rs in todo.items():
        acc[mode] = []
        for r in rs:
            kw = dict(seed=seed, radius_space=radius_space, input_std=input_std, max_batch=max_batch, output=output,
                      amp=amp, memory_budget=memory_budget, channels_last=channels_last, compile=compile)
            if mode == "approx":
                layer = last_linear(model)
                k = min(n_directions, layer.out_features if layer is not None else n_directions)
                wrapper = PostAveraged(model, r, n_directions=k, mode="approx", **kw)
            elif mode == "ball":
                wrapper = PostAveraged(model, r, n_directions=n_directions, sampling="ball", **kw)
            elif mode == "random":
                wrapper = PostAveraged(model, r, n_directions=n_directions, **kw)
            else:
                raise ConfigError(f"unknown mode {mode!r}; expected random, ball or approx")
            pred = averaged_predictions(wrapper, images, progress)
            acc[mode].append(float((pred == labels.cpu()).float().mean()))
    return RadiusTradeoff(base, float(default_radius if default_radius is not None else radii[len(radii) // 2]),
                          radius_space, n_directions, int(labels.numel()),
                          {k: list(map(float, v)) for k, v in todo.items()}, acc)
