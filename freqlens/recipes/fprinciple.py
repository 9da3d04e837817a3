"""F-Principle recipes (Xu et al.): 1-D targets, MNIST-1D, MNIST, CIFAR-10, initialisation scale, Jacobi vs
network on the Poisson problem, and the gradient theorem on a real network. Settings follow
the authors' code (xuzhiqin1990/F-Principle) where it fixes them; elsewhere they are freqlens's choices, set
before any run.

Every check has a null measured in the same run on its own metric (the frequency-blind
:class:`~freqlens.models.LookupTable` trained by gradient descent, an untrained network, the other initialisation
regime, Jacobi iteration): a recipe passes only when its checks pass and its nulls fail them.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from freqlens.data import gaussian_projection_data, load_mnist1d, sinusoid_target_1d
from freqlens.dynamics.fprinciple import (
    FilteringTracker,
    ModeErrorTracker,
    ProjectionTracker,
    StopWhenConverged,
    choose_delta,
    filtering_order,
)
from freqlens.models import MLP, LookupTable, SmallCNN
from freqlens.models.lookup import shrinking_sgd
from freqlens.plot.fprinciple import (
    plot_band_gradient_ratios,
    plot_filtering_and_projection,
    plot_fprinciple_1d,
    plot_init_scale,
    plot_jacobi_vs_network,
)
from freqlens.recipes._trained import image_data
from freqlens.recipes.base import Check, Deviation, RecipeContext, RecipeOutput, recipe
from freqlens.theory import gradients, poisson
from freqlens.train import fit

PAPER_FP = "Xu, Zhang, Xiao, Luo, Ma: Frequency Principle (arXiv 1901.06523 / 1807.01251)"
NULL_TABLE = "frequency-blind lookup table (one free output per training point) trained by gradient descent"


def _dft_freqs_1d(length: float, bins: int = 40) -> torch.Tensor:
    """DFT bins j = 0..bins−1 of a periodic grid of length L as ordinary frequencies j/L."""
    return torch.arange(bins, dtype=torch.float64) / length


def _gd_table(x: torch.Tensor, out_dim: int, n: int, shrink: float = 0.05):
    """A lookup table and the SGD factory that shrinks each residual by ``shrink`` per full-batch step."""
    return LookupTable(x, out_dim), shrinking_sgd(n, out_dim, shrink)


def _run_1d(seed: int, width: int, depth: int, activation: str, steps: int, init_scale=None, every: int = 10,
            device=None, n: int = 200, stop: bool = True, model=None, optimizer=None):
    data = sinusoid_target_1d(n, (1, 3, 5))
    if model is None:
        torch.manual_seed(seed)
        model = MLP(1, 1, width=width, depth=depth, activation=activation, init_scale=init_scale)
    tracker = ProjectionTracker(data.x, data.y, direction=[1.0], freqs=_dft_freqs_1d(2 * math.pi), every=every,
                                store_outputs=True)
    callbacks = [tracker] + ([StopWhenConverged(tracker)] if stop else [])
    fit(model, (data.x, data.y), steps, lr=1e-3, optimizer=optimizer, callbacks=callbacks, seed=seed,
        progress=False, device=device)
    return data, model, tracker.result()


def _times(result, threshold=0.1, cap=None):
    t = result.converged_epochs(threshold)
    return [cap if v is None else v for v in t]


@recipe("fprinciple-1d", paper=PAPER_FP,
        finding="on y = sin x + sin 3x + sin 5x a tanh/ReLU network reaches Δ_F < 0.1 at frequency 1 before 3 "
                "before 5; a frequency-blind lookup table does not",
        paper_value="Fig. 1: Δ_F at the DFT peaks turns small from the lowest peak up")
def fprinciple_1d(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``fprinciple-1d``: on y = sin x + sin 3x + sin 5x a tanh/ReLU network reaches Δ_F < 0.1 at frequency 1
    before 3 before 5; a frequency-blind lookup table does not.

    Trains small tanh/ReLU networks on y = sin x + sin 3x + sin 5x and records Δ_F at the DFT peaks (projection
    method) over full-batch training; the converged step t_k is the first with Δ_F < 0.1.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Headline
        check: every run has t1 < t3 < t5 (full size also: t5 ≥ 2·t3 and t3 ≥ 2·t1). Control on each check: a
        frequency-blind lookup table (one free output per training point) trained by gradient descent.

    Raises:
        Nothing of its own (the data are generated in memory).

    Source:
        Xu et al. 2019/2020 ("Frequency Principle", arXiv 1901.06523), the 1-D synthetic example.

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("fprinciple-1d")
        >>> r.run is fprinciple_1d, r.data
        (True, 'embedded')
    """
    if ctx.quick:
        configs = [("tanh", ctx.seed)]
        width, steps = 100, 3000
    else:
        configs = [(act, ctx.seed + s) for act in ("tanh", "relu") for s in range(3)]
        width, steps = 200, 4000
    runs, checks, last = {}, [], None
    for act, seed in configs:
        data, _, res = _run_1d(seed, width, 2, act, steps, device=ctx.device)
        t1, t3, t5 = _times(res, cap=steps + 1)
        runs[f"{act}-seed{seed}"] = {"t1": t1, "t3": t3, "t5": t5, "steps_run": res.epochs[-1]}
        last = (data, res, act, seed)
    ordered = sum(r["t1"] < r["t3"] < r["t5"] for r in runs.values())
    head = Check.greater_equal("runs with t1 < t3 < t5", ordered, len(runs),
                               "converged time: first record with Δ_F < 0.1")
    checks.append(head)
    spacing = None
    if not ctx.quick:
        spaced = sum(r["t5"] >= 2 * r["t3"] and r["t3"] >= 2 * r["t1"] for r in runs.values())
        spacing = Check.greater_equal("runs with t5 ≥ 2·t3 and t3 ≥ 2·t1", spaced, len(runs))
        checks.append(spacing)
    # null: the frequency-blind table, same data, same tracker; every residual shrinks at the same rate
    null = {}
    for _, seed in configs:
        xs = sinusoid_target_1d(200, (1, 3, 5)).x
        table, opt = _gd_table(xs, 1, 200)
        _, _, nres = _run_1d(seed, width, 2, "tanh", 600, device=ctx.device, model=table, optimizer=opt, every=1)
        null[f"seed{seed}"] = _times(nres, cap=601)
    null_ordered = sum(t[0] < t[1] < t[2] for t in null.values())
    controls = [head.control(NULL_TABLE, null_ordered, f"(t1, t3, t5) per seed: {null}")]
    if spacing is not None:  # the same table runs, on the spacing gate
        null_spaced = sum(t[2] >= 2 * t[1] and t[1] >= 2 * t[0] for t in null.values())
        controls.append(spacing.control(NULL_TABLE, null_spaced, f"(t1, t3, t5) per seed: {null}"))
    data, res, act, seed = last
    fig, _ = plot_fprinciple_1d(res, data.x, data.y,
                                title=f"F-Principle, 1-D target sin x + sin 3x + sin 5x "
                                      f"({act}, 1-{width}-{width}-1, seed {seed})")
    return RecipeOutput(numbers={"converged_steps": runs, "threshold": 0.1, "width": width, "max_steps": steps,
                                 "null_lookup_table_times": null},
                        checks=checks, figure=fig, results={"projection": res}, controls=controls)


def _filtering_recipe(ctx, x, y, make_model, fit_kwargs, paper_delta, title, output_transform=None,
                      dataset_note=""):
    """Xu et al.'s filtering method (Fig. 3 and 4) on a trained network, gated at the paper's δ; the automatic δ is
    reported. freqlens's "e_low < 0.2 before e_high < 0.2" criterion belongs to its synthetic stand-in; on real data the
    first-below times are reported (``metrics``), not gated.

    Nulls measured with the same checks: the network before training (never trained) and the frequency-blind
    lookup table trained by full-batch gradient descent with the same loss."""
    auto = round(choose_delta(x, y, seed=ctx.seed), 4)
    deltas = sorted({float(paper_delta), float(auto)})
    filt = FilteringTracker(x, y, deltas, every=1, output_transform=output_transform)
    proj = ProjectionTracker(x, y, every=1, output_transform=output_transform, min_relative_height=0.05)
    model = make_model()
    untrained = filt.measure(model)
    fit(model, (x, y), callbacks=[filt, proj], seed=ctx.seed, progress=ctx.progress, device=ctx.device, **fit_kwargs)
    fr, pr = filt.result(), proj.result()
    m = {d: filtering_order(fr, d) for d in deltas}
    # untrained network: its errors stay at their initial values for the whole run
    i0 = deltas.index(float(paper_delta))
    lo0, hi0 = untrained["e_low"][i0], untrained["e_high"][i0]
    null_untrained = {"gap": hi0 - lo0, "gap_normalized": 0.0}
    # frequency-blind table, full-batch GD with the same loss; as many records as the network
    n_out = filt.targets.shape[1]
    table, opt = _gd_table(x, n_out, x.shape[0])
    tfilt = FilteringTracker(x, y, [float(paper_delta)], every=1, output_transform=output_transform)
    loss = fit_kwargs.get("loss", "mse")
    fit(table, (x, y), len(fr.epochs) - 1, optimizer=opt, loss=loss, callbacks=[tfilt], seed=ctx.seed,
        progress=False, device=ctx.device)
    null_table = filtering_order(tfilt.result(), float(paper_delta))
    p = m[float(paper_delta)]
    c_gap = Check.greater(f"mean(e_high − e_low) over the first half of training, δ = {paper_delta:g}", p["gap"], 0.1,
                          f"freqlens's threshold, set before any run; high-frequency fraction "
                          f"{fr.high_fraction[i0]:.2f}")
    c_norm = Check.greater(f"mean(e_high/e_high(0) − e_low/e_low(0)) over the first half, δ = {paper_delta:g}",
                           p["gap_normalized"], 0.1, "what training changed, independent of where the outputs start")
    checks = [c_gap, c_norm]
    controls = [c_gap.control("untrained network", null_untrained["gap"]),
                c_gap.control(NULL_TABLE, null_table["gap"]),
                c_norm.control(NULL_TABLE, null_table["gap_normalized"])]
    deviations = [Deviation("normalised gap e/e(0)", "not in the paper", "added as a third gate",
                            "an untrained network already scores near the gap gate (its outputs start close to "
                            "the smoothed labels); the normalised gap measures what training changed", "after")]
    fig, _ = plot_filtering_and_projection(fr, pr, title)
    numbers = {"deltas": deltas, "auto_delta": auto, "paper_delta": paper_delta, "high_fraction": fr.high_fraction,
               "metrics": {f"{d:g}": v for d, v in m.items()}, "null_untrained": null_untrained,
               "null_lookup_table": null_table, "e_low_final": np.asarray(fr.e_low)[-1].tolist(),
               "e_high_final": np.asarray(fr.e_high)[-1].tolist(), "projection_peaks": pr.peak_freqs,
               "projection_converged_epoch_0.2": pr.converged_epochs(0.2), "note": dataset_note}
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig, results={"filtering": fr, "projection": pr},
                        controls=controls, deviations=deviations)


@recipe("fprinciple-mnist1d", paper=PAPER_FP,
        finding="on MNIST-1D a tanh MLP fits the low-frequency part of the labels (filtering method, δ = 3) before "
                "the high part, unlike a frequency-blind lookup table and the untrained network",
        paper_value="Fig. 3/4 (MNIST, CIFAR-10): e_low decays markedly before e_high")
def fprinciple_mnist1d(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``fprinciple-mnist1d``: on MNIST-1D a tanh MLP fits the low-frequency part of the labels (filtering
    method, δ = 3) before the high part, unlike a frequency-blind lookup table and the untrained network.

    Filtering method on MNIST-1D (1000 samples and 30 epochs quick, 4000 and 60 full): a tanh 40-200-100-10 MLP
    trained with MSE; e_low and e_high tracked at the paper's δ = 3 and at an automatically chosen δ.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Checks:
        mean(e_high − e_low) over the first half of training > 0.1, and the same for the errors normalised by their
        start. Controls: the untrained network and a frequency-blind lookup table trained with the same loss.

    Raises:
        DataError: the ``mnist1d`` package is not installed.

    Source:
        Xu et al. 2019/2020 ("Frequency Principle"), filtering method (Fig. 3 and 4).

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("fprinciple-mnist1d")
        >>> r.run is fprinciple_mnist1d, r.data
        (True, 'embedded')
    """
    n, epochs = (1000, 30) if ctx.quick else (4000, 60)
    xtr, ytr, _, _ = load_mnist1d(seed=ctx.seed)
    x, y = xtr[:n], ytr[:n]

    def make():
        torch.manual_seed(ctx.seed)
        return MLP(40, 10, widths=[200, 100], activation="tanh")

    return _filtering_recipe(ctx, x, y, make, {"epochs": epochs, "batch_size": 100, "lr": 1e-3}, paper_delta=3.0,
                             title=f"F-Principle on MNIST-1D ({n} samples, tanh 40-200-100-10, MSE)",
                             dataset_note="MNIST-1D generated in memory by mnist1d")


def _projection_synthetic(ctx) -> dict:
    """Spec A2.4: the projection method on the synthetic case, network and frequency-blind table."""
    if ctx.quick:
        n, dim, steps, seeds = 500, 16, 1500, [ctx.seed]
    else:
        n, dim, steps, seeds = 2000, 64, 3000, [ctx.seed, ctx.seed + 1]
    out = {"n": n, "dim": dim, "steps": steps, "runs": {}, "null": {}}
    for seed in seeds:
        x, y = gaussian_projection_data(n, dim, seed=seed)
        torch.manual_seed(seed)
        net = MLP(dim, 1, widths=[200, 100], activation="tanh")
        tr = ProjectionTracker(x, y, direction=torch.eye(dim)[0], peaks=[0.2, 0.6, 1.0], every=10)
        fit(net, (x, y), steps, lr=1e-3, callbacks=[tr], seed=seed, progress=False, device=ctx.device)
        out["runs"][seed] = _times(tr.result(), 0.2, cap=float("inf"))
        table, opt = _gd_table(x, 1, n)
        tt = ProjectionTracker(x, y, direction=torch.eye(dim)[0], peaks=[0.2, 0.6, 1.0], every=1)
        fit(table, (x, y), 300, optimizer=opt, callbacks=[tt], seed=seed, progress=False, device=ctx.device)
        out["null"][seed] = _times(tt.result(), 0.2, cap=float("inf"))
        out["result"] = tr.result()
    return out


@recipe("fprinciple-mnist", paper=PAPER_FP, data="mnist",
        finding="the projection method (gated on a synthetic case with a known answer) and the filtering method "
                "(δ = 3) show a tanh network fitting low frequencies first, unlike a frequency-blind lookup table; "
                "on MNIST a tanh 784-400-200-10 net fits the low-frequency part of the labels first",
        paper_value="Fig. 3 (MNIST, δ = 3): e_low converges before e_high")
def fprinciple_mnist(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``fprinciple-mnist``: the projection method (gated on a synthetic case with a known answer) and the
    filtering method (δ = 3) show a tanh network fitting low frequencies first, unlike a frequency-blind lookup
    table; on MNIST a tanh 784-400-200-10 net fits the low-frequency part of the labels first.

    Projection method on a synthetic high-dimensional case, then the filtering method (δ = 3) on MNIST (2000 images
    and 10 epochs quick, 5000 and 50 full) with a tanh 784-400-200-10 network trained with MSE on one-hot labels.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model; ``data_root`` holds MNIST).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Checks:
        the filtering gaps as in fprinciple-mnist1d, and every synthetic projection run converging from the lowest
        peak up (Δ_F < 0.2 first at the lowest peak). Controls: the untrained network and a frequency-blind lookup
        table.

    Raises:
        DataError: the MNIST files are not under ``ctx.data_root`` (or FREQLENS_DATA).

    Source:
        Xu et al. 2019/2020 ("Frequency Principle"), projection and filtering methods on MNIST (Fig. 3).

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("fprinciple-mnist")
        >>> r.run is fprinciple_mnist, r.data
        (True, 'mnist')
    """
    n, epochs = (2000, 10) if ctx.quick else (5000, 50)
    x, y, _, _ = image_data(ctx, "mnist", n, 0, ctx.seed)

    def make():
        torch.manual_seed(ctx.seed)
        return MLP(784, 10, widths=[400, 200], activation="tanh")

    out = _filtering_recipe(ctx, x.flatten(1), y, make, {"epochs": epochs, "batch_size": 128, "lr": 1e-4},
                            paper_delta=3.0,
                            title=f"F-Principle on MNIST ({n} images, tanh 784-400-200-10, MSE, Adam 1e-4)")
    syn = _projection_synthetic(ctx)
    if ctx.quick:
        ok = sum(t[0] < t[2] for t in syn["runs"].values())
        null_ok = sum(t[0] < t[2] for t in syn["null"].values())
        metric = "synthetic projection runs with t(0.2) < t(1.0), Δ_F < 0.2"
    else:
        ok = sum(t[0] < t[1] <= t[2] for t in syn["runs"].values())
        null_ok = sum(t[0] < t[1] <= t[2] for t in syn["null"].values())
        metric = "synthetic projection runs with t(0.2) < t(0.6) ≤ t(1.0), Δ_F < 0.2"
    c_proj = Check.greater_equal(metric, ok, len(syn["runs"]),
                                 f"freqlens's synthetic stand-in, n = {syn['n']}, d = {syn['dim']}")
    out.checks.append(c_proj)
    out.controls.append(c_proj.control(NULL_TABLE, null_ok, f"times {syn['null']}"))
    out.numbers["projection_synthetic"] = {"n": syn["n"], "dim": syn["dim"], "steps": syn["steps"],
                                           "times_network": syn["runs"], "times_lookup_table": syn["null"]}
    out.numbers["mnist_projection_reported_not_gated"] = out.numbers.pop("projection_converged_epoch_0.2")
    return out


@recipe("fprinciple-cifar10", paper=PAPER_FP, data="cifar10",
        finding="a CNN fits the low-frequency part of CIFAR-10 labels first (filtering method, δ = 7), beyond what "
                "the untrained network and a frequency-blind lookup table score",
        paper_value="Fig. 4 (CIFAR-10, δ = 7): e_low converges before e_high")
def fprinciple_cifar10(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``fprinciple-cifar10``: a CNN fits the low-frequency part of CIFAR-10 labels first (filtering method, δ =
    7), beyond what the untrained network and a frequency-blind lookup table score.

    Filtering method (δ = 7) on CIFAR-10 (500 images and 3 epochs quick, 5000 and 40 full) with the CNN of the
    official code (softmax outputs against one-hot labels); the quick size is a SMOKE run.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model; ``data_root`` holds CIFAR-10 (shared models are trained once and cached
            under ``ctx.cache_dir``)).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Checks:
        mean(e_high − e_low) over the first half of training > 0.1, and the normalised gap > 0.1. Controls: the
        untrained network and a frequency-blind lookup table.

    Raises:
        DataError: the CIFAR-10 files are not under ``ctx.data_root`` (or FREQLENS_DATA).

    Source:
        Xu et al. 2019/2020 ("Frequency Principle"), filtering method on CIFAR-10 (Fig. 4).

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("fprinciple-cifar10")
        >>> r.run is fprinciple_cifar10, r.data
        (True, 'cifar10')
    """
    n, epochs = (500, 3) if ctx.quick else (5000, 40)
    x, y, _, _ = image_data(ctx, "cifar10", n, 0, ctx.seed)

    def make():
        torch.manual_seed(ctx.seed)
        return SmallCNN(3, 10, 32)

    fit_kwargs = {"epochs": epochs, "batch_size": 50, "loss": "cross_entropy",
                  "optimizer": lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9, nesterov=True)}
    out = _filtering_recipe(
        ctx, x, y, make, fit_kwargs, paper_delta=7.0, output_transform="softmax",
        title=f"F-Principle on CIFAR-10 ({n} images, CNN of the official code, softmax outputs vs one-hot labels)")
    out.deviations.append(Deviation("size", "5000 images, 100 epochs", f"{n} images, {epochs} epochs",
                                    "CPU budget", "before"))
    if ctx.quick:
        out.smoke = ("at a CPU-quick size the CNN barely trains (1000 images × 8 epochs lowered e_low by 10 %, "
                     "normalised gap 0.008, untrained 0.053 vs trained 0.061): the premise, a network that fits "
                     "the labels, is not realised; run the full size")
    return out


@recipe("fprinciple-init-scale", paper="Xu et al.; Zhang et al. 'small initialization' (arXiv 1808.04295)",
        finding="with small initial weights (σ = 0.05) frequency 5 converges ≥ 5× (full: 10×) later than frequency 1; "
                "at σ = 1 the ratio is ≤ 3",
        paper_value="small initial weights keep the low-first order, large ones lose it (freqlens's calibration: "
                    "t5/t1 ≥ 10 at σ = 0.05, ≤ 3 at σ = 1 and 2)")
def fprinciple_init_scale(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``fprinciple-init-scale``: with small initial weights (σ = 0.05) frequency 5 converges ≥ 5× (full: 10×)
    later than frequency 1; at σ = 1 the ratio is ≤ 3.

    Trains a tanh 1-200-200-1 network with every weight drawn from N(0, σ²) on the 1-D target for σ = 0.05 and 1
    (full: 0.05, 0.5, 1, 2 and 4, two seeds) and measures t5/t1, the ratio of the converged steps of frequencies 5
    and 1.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Headline
        check: t5/t1 ≥ 5 (full: 10) at σ = 0.05; second check: t5/t1 ≤ 3 at σ = 1 (full also at σ = 2). Controls:
        the large initialisations σ = 1 (and 2) on the headline check, the small initialisation σ = 0.05 on each
        large-σ check.

    Raises:
        Nothing of its own (the data are generated in memory).

    Source:
        Zhang, Xu, Luo and Ma 2019 (arXiv 1808.04295), initialisation scale and the F-Principle.

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("fprinciple-init-scale")
        >>> r.run is fprinciple_init_scale, r.data
        (True, 'embedded')
    """
    sigmas = [0.05, 1.0] if ctx.quick else [0.05, 0.5, 1.0, 2.0, 4.0]
    seeds = [ctx.seed] if ctx.quick else [ctx.seed, ctx.seed + 1]
    steps = 6000
    ratios, times, panels = {}, {}, {}
    dense = torch.linspace(-math.pi, math.pi, 800)[:, None]
    for sigma in sigmas:
        rs = []
        for seed in seeds:
            data, model, res = _run_1d(seed, 200, 2, "tanh", steps, init_scale=sigma, device=ctx.device)
            t1, t3, t5 = _times(res, cap=steps + 1)
            times[f"sigma={sigma},seed={seed}"] = [t1, t3, t5]
            rs.append(t5 / max(t1, 1))
            with torch.no_grad():
                panels[sigma] = (res, model.cpu()(dense).squeeze(1))
        ratios[sigma] = float(np.mean(rs))
    small_thr = 5.0 if ctx.quick else 10.0
    head = Check.greater_equal("t5/t1 at σ = 0.05", ratios[0.05], small_thr)
    large = [Check.less_equal("t5/t1 at σ = 1", ratios[1.0], 3.0)]
    controls = [head.control("large initialisation σ = 1 (the other regime)", ratios[1.0])]
    if not ctx.quick:
        large.append(Check.less_equal("t5/t1 at σ = 2", ratios[2.0], 3.0))
        controls.append(head.control("large initialisation σ = 2", ratios[2.0]))
    # the large-σ gates' null: the small initialisation (the other regime, same runs) in place of the large one
    controls += [c.control("small initialisation σ = 0.05 (the other regime)", ratios[0.05]) for c in large]
    checks = [head] + large
    data = sinusoid_target_1d(200)
    fig, _ = plot_init_scale(panels, data.x, data.y, dense)
    return RecipeOutput(numbers={"t5_over_t1": {str(k): v for k, v in ratios.items()}, "times": times},
                        checks=checks, figure=fig, controls=controls)


@recipe("fprinciple-jacobi", paper=PAPER_FP,
        finding="a tanh network trained with the Ritz loss on −u'' = g reduces the error of sine mode 2 before mode "
                "16; Jacobi iteration, run beside it, does the opposite",
        paper_value="Fig. 6: the DNN and Jacobi converge in opposite frequency orders")
def fprinciple_jacobi(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``fprinciple-jacobi``: a tanh network trained with the Ritz loss on −u'' = g reduces the error of sine
    mode 2 before mode 16; Jacobi iteration, run beside it, does the opposite.

    Solves −u'' = g on (−1, 1) with a tanh network trained on the Ritz loss and with Jacobi iteration, and tracks
    the error E_j of sine modes 2 and 16.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Headline
        check: the network reduces mode 2 before mode 16 (quick: E_2 − E_16 < 0 at step 500; full: converged time of
        mode 2 − mode 16 < 0). Control: Jacobi iteration on the same problem (the other order).

    Raises:
        Nothing of its own (the data are generated in memory).

    Source:
        Xu et al. 2019/2020 ("Frequency Principle"), Jacobi vs DNN on the Poisson equation (Fig. 6).

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("fprinciple-jacobi")
        >>> r.run is fprinciple_jacobi, r.data
        (True, 'embedded')
    """
    n = 100
    modes = [2, 16]
    x = poisson.poisson_grid(n)
    g = poisson.default_source(x)
    u_ref = torch.linalg.solve(poisson.poisson_matrix(n), g)
    basis = poisson.sine_modes(n)
    width, depth, steps = (100, 1, 2000) if ctx.quick else (200, 2, 5000)
    jac_steps = list(range(0, steps + 1, 10))
    _, snaps = poisson.jacobi_poisson_1d(g, n, max(jac_steps), record=jac_steps)
    jac_err = np.array([poisson.mode_errors(snaps[t], u_ref, modes, basis).numpy() for t in jac_steps])
    full = torch.linspace(-1, 1, n + 1, dtype=torch.float64).float()[:, None]
    torch.manual_seed(ctx.seed)
    model = MLP(1, 1, width=width, depth=depth, activation="tanh")
    tracker = ModeErrorTracker(full, u_ref, modes, basis, every=10)
    fit(model, (full, torch.zeros(n + 1, 1)), steps, lr=1e-3, loss=poisson.ritz_loss(g.float(), 2.0 / n),
        callbacks=[tracker], seed=ctx.seed, progress=ctx.progress, device=ctx.device)
    net_err = np.array(tracker.errors)
    numbers = {"modes": modes, "jacobi_errors_at_100": jac_err[jac_steps.index(100)].tolist(),
               "network_errors_final": net_err[-1].tolist()}
    if ctx.quick:
        at = tracker.steps.index(500)
        head = Check.less("E_2 − E_16 at step 500", float(net_err[at, 0] - net_err[at, 1]), 0.0,
                          "freqlens's quick criterion, set before any run")
        null_value = float(jac_err[jac_steps.index(500), 0] - jac_err[jac_steps.index(500), 1])
        numbers["network_errors_at_500"] = net_err[at].tolist()
    else:
        def first(steps_, err, k):
            hit = np.nonzero(err[:, k] < 0.1)[0]
            return float(steps_[hit[0]]) if hit.size else float("inf")

        t2, t16 = first(tracker.steps, net_err, 0), first(tracker.steps, net_err, 1)
        head = Check.less("converged time (E < 0.1) of mode 2 − mode 16 (inf − inf = never)",
                          t2 - t16 if math.isfinite(t2) else float("inf"), 0.0,
                          "freqlens's full criterion, set before any run")
        j2, j16 = first(jac_steps, jac_err, 0), first(jac_steps, jac_err, 1)
        null_value = j2 - j16 if math.isfinite(j2) else float("inf")
        numbers["converged_time_network"] = [t2, t16]
        numbers["converged_time_jacobi"] = [j2, j16]
    controls = [head.control("Jacobi iteration on the same problem (the other regime)", null_value)]
    fig, _ = plot_jacobi_vs_network(jac_steps, jac_err, tracker.steps, net_err, modes)
    return RecipeOutput(numbers=numbers, checks=[head], figure=fig, controls=controls,
                        notes="The Jacobi mode law e_j(t) = cos(jπ/n)^t e_j(0) is an identity; it is a unit test "
                              "(tests/theory/test_poisson.py), not a gate.")


@recipe("fprinciple-theorem", paper="Luo, Ma, Xu, Zhang 2019 (arXiv 1906.09235); Xu, Zhang, Xiao (ICONIP 2019)",
        finding="at initialisation with small weights (σ = 0.05) the gradient of a real tanh network's "
                "high-frequency loss is < 0.1 of the low-frequency loss's gradient (autograd, target with equal "
                "energy in both bands), and smaller than at σ = 0.3; a frequency-blind model gives ≈ 1",
        paper_value="high-frequency loss gradients are small at small weights (Luo et al. 2019); freqlens's "
                    "check: R(0.05) < 0.1 and R(0.05) < R(0.3) for tanh")
def fprinciple_theorem(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``fprinciple-theorem``: at initialisation with small weights (σ = 0.05) the gradient of a real tanh
    network's high-frequency loss is < 0.1 of the low-frequency loss's gradient (autograd, target with equal energy
    in both bands), and smaller than at σ = 0.3; a frequency-blind model gives ≈ 1.

    At initialisation, the ratio R = ‖∇θ L⁺‖/‖∇θ L⁻‖ of the gradients of the high- and low-frequency losses of real
    tanh 1-100-100-1 networks (autograd, a target with equal energy in both bands), over seeds, for σ = 0.05 and
    0.3.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Headline
        check: median R < 0.1 at σ = 0.05; second: R(0.05)/R(0.3) < 1. Control on each check: a frequency-blind
        lookup table (one free output per grid point; having no weight scale, its R(0.05)/R(0.3) is 1).

    Raises:
        Nothing of its own (the data are generated in memory).

    Source:
        Luo, Ma, Xu and Zhang 2019 (arXiv 1906.09235); Xu, Zhang and Xiao 2019 (ICONIP).

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("fprinciple-theorem")
        >>> r.run is fprinciple_theorem, r.data
        (True, 'embedded')
    """
    seeds = list(range(ctx.seed, ctx.seed + 10))
    n, cutoff = 256, 10
    ratios: dict[str, list[float]] = {}
    plain: dict[str, list[float]] = {}
    for act, s in (("tanh", 0.05), ("tanh", 0.3), ("relu", 0.05), ("relu", 0.3)):
        key = f"{act}, σ = {s:g}"
        ratios[key], plain[key] = [], []
        for seed in seeds:
            x, f = gradients.two_band_target(n, seed=seed)
            torch.manual_seed(seed)
            net = MLP(1, 1, width=100, depth=2, activation=act, init_scale=s).double()
            ratios[key].append(gradients.band_gradient_ratio(net, x, f, cutoff))
            plain[key].append(gradients.band_gradient_ratio(net, x, f, cutoff, window=None))
    table_r = []
    for seed in seeds:
        x, f = gradients.two_band_target(n, seed=seed)
        table_r.append(gradients.band_gradient_ratio(LookupTable(x, 1).double(), x, f, cutoff))
    ratios["lookup table"] = table_r
    med = {k: float(np.median(v)) for k, v in ratios.items()}
    head = Check.less("median R = ‖∇L⁺‖/‖∇L⁻‖, tanh 1-100-100-1, σ = 0.05", med["tanh, σ = 0.05"], 0.1,
                      f"{len(seeds)} seeds, cut-off bin {cutoff}, Hann-windowed residual")
    trend = Check.less("median R(σ = 0.05) / median R(σ = 0.3), tanh", med["tanh, σ = 0.05"] / med["tanh, σ = 0.3"],
                       1.0)
    # the trend's null: the frequency-blind table has no weight scale, so its R is the same at both σ (ratio 1)
    controls = [head.control("frequency-blind lookup table (free output per grid point)", med["lookup table"]),
                trend.control("frequency-blind lookup table (no weight scale: the same R at σ = 0.05 and 0.3)",
                              med["lookup table"] / med["lookup table"])]
    deviations = [Deviation("residual window", "plain DFT of the residual", "Hann-windowed residual",
                            "the network output is not periodic on [−π, π); its boundary jump leaks a k⁻¹ tail that "
                            "made R ≈ 0.03 for every activation and scale (reported as 'unwindowed')", "after")]
    fig, _ = plot_band_gradient_ratios(ratios, threshold=0.1)
    numbers = {"n": n, "cutoff_bin": cutoff, "seeds": len(seeds), "median_ratio": med,
               "median_ratio_unwindowed": {k: float(np.median(v)) for k, v in plain.items()}}
    return RecipeOutput(numbers=numbers, checks=[head, trend], figure=fig, controls=controls,
                        deviations=deviations,
                        notes="The 0.1 gate also holds for a ReLU network (median R reported), whose high-band "
                              "gradient decays polynomially, not exponentially: the gate tests that network "
                              "gradients are dominated by the low band, not the tanh-specific rate. "
                              "The trend gate R(0.05)/R(0.3) < 1 is guarded by the frequency-blind table (ratio 1); "
                              "a ReLU network is reported beside it (median_ratio, 'relu, σ = 0.3'), not gated. "
                              "The closed-form one-hidden-layer statements (P(δ) → 1, slope −π/(2 max|w|)) are "
                              "identities of the formulas; they are unit tests in tests/theory/test_gradients.py.")
