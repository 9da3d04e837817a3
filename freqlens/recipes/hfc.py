"""Wang et al., "High-frequency Component Helps Explain the Generalization of CNNs" (CVPR 2020), scaled down
(a small CNN on a CIFAR-10 subset; sizes and check thresholds are freqlens's, set before any run).

Curve recipes train freqlens's SmallCNN (conv16-conv16-pool-conv32-conv32-pool-FC-FC, "same" padding, no
mean/std normalisation, optional BN/dropout) with Adam 1e-3 and no augmentation, and record LFC/HFC accuracy
with :class:`freqlens.dynamics.hfc.HFCTracker`; each run is cached as a ``fit`` checkpoint (tracker history
included) under ``<out>/../cache``. ``hfc-examples`` uses the shared natural classifier of the other recipes.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from freqlens.dynamics.hfc import HFCTracker
from freqlens.fourier.filters import lfc_hfc_components
from freqlens.inference import accuracy
from freqlens.interventions.adversarial_training import AdversarialExamples
from freqlens.interventions.mixup import MixUp
from freqlens.models.cache import config_key
from freqlens.probes.hfc import hfc_example_null, hfc_examples, lfc_hfc_accuracy
from freqlens.probes.nulls import untrained_copy
from freqlens.recipes._trained import image_data, shared_classifier, shared_config
from freqlens.recipes.base import Check, Deviation, RecipeContext, RecipeOutput, recipe
from freqlens.train import fit

PAPER = "Wang et al. 2020 (CVPR), High-frequency Component Helps Explain the Generalization of CNNs"
RADII = (4, 8, 12, 16)


class A8CNN(nn.Module):
    """The scaled-down CNN of the HFC recipes: conv(C→16, k1)-ReLU-conv(16→16)-ReLU-pool-conv(16→32)-ReLU-conv(32→32)-
    ReLU-pool-FC(32·(N/4)²→fc)-ReLU-[dropout]-FC(fc→classes), with optional BatchNorm (ε = 1e-3) after every conv.

    Args:
        in_channels: C of the input images.
        num_classes: number of logits.
        image_size: N of the (N, N) input images (a multiple of 4).
        k1: kernel size of the first conv (padding k1//2 keeps the size).
        fc: width of the hidden fully connected layer.
        batch_norm: add BatchNorm after every conv.
        dropout: dropout probability before the last layer (0: none).

    Attributes:
        features: the conv part, ending in ``Flatten``.
        classifier: the fully connected part; ``forward(x)`` maps (B, C, N, N) to (B, num_classes) logits.

    Raises:
        RuntimeError: at the first forward pass, when the input size does not match ``image_size``.

    Source:
        freqlens (a CPU-sized stand-in for Wang et al. 2020's CIFAR-10 network).

    Example:
        >>> import torch
        >>> net = A8CNN(image_size=8, fc=16, batch_norm=True)
        >>> net(torch.zeros(2, 3, 8, 8)).shape, sum(isinstance(m, nn.BatchNorm2d) for m in net.modules())
        (torch.Size([2, 10]), 4)
    """

    def __init__(self, in_channels=3, num_classes=10, image_size=32, k1=3, fc=128, batch_norm=False, dropout=0.0):
        super().__init__()

        def conv(cin, cout, k):
            layers = [nn.Conv2d(cin, cout, k, padding=k // 2)]
            if batch_norm:
                layers.append(nn.BatchNorm2d(cout, eps=1e-3))
            return layers + [nn.ReLU()]

        self.features = nn.Sequential(*conv(in_channels, 16, k1), *conv(16, 16, 3), nn.MaxPool2d(2),
                                      *conv(16, 32, 3), *conv(32, 32, 3), nn.MaxPool2d(2), nn.Flatten())
        self.classifier = nn.Sequential(nn.Linear(32 * (image_size // 4) ** 2, fc), nn.ReLU(),
                                        nn.Dropout(dropout) if dropout > 0 else nn.Identity(),
                                        nn.Linear(fc, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def _train_tracked(ctx: RecipeContext, name: str, config: dict, data, epochs: int, trackers, batch_size=100,
                   lr=1e-3, transform=None, arch: dict | None = None, seed: int | None = None):
    """Train an A8CNN with trackers; cached as a resumable checkpoint keyed by ``config``. ``seed`` (default
    ``ctx.seed``) seeds the initialisation and the batch order."""
    seed = ctx.seed if seed is None else int(seed)
    config = {"recipe": name, "epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed,
              "arch": arch or {}, **config, "version": 2}
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    ck = ctx.cache_dir / f"hfc-{name}-{config_key(config)}.pt"
    torch.manual_seed(seed)
    model = A8CNN(**(arch or {})).to(ctx.device)
    fit(model, data, epochs, loss="cross_entropy", batch_size=batch_size, lr=lr, seed=seed, callbacks=trackers,
        checkpoint=ck, resume=True, batch_transform=transform, progress=ctx.progress, device=ctx.device)
    model.eval()
    return model


def _monotone(values, tol=0.02) -> bool:
    return all(b >= a - tol for a, b in zip(values, values[1:]))


def _permuted(labels: torch.Tensor, seed: int) -> torch.Tensor:
    """One fixed random permutation of a label vector (class marginals kept): the shuffled-labels null."""
    return labels[torch.randperm(labels.numel(), generator=torch.Generator().manual_seed(seed))]


# ---------------------------------------------------------------------------------------------------- A4.1
@recipe("hfc-examples", paper=PAPER, data="cifar10",
        finding="more test images are classified correctly from their HFC but not their LFC (r=12) than when the "
                "HFC predictions are permuted among the images (Fig. 2); LFC accuracy non-decreasing in r with "
                "L(16) ≥ clean − 0.05 (HFC-V1)",
        paper_value="Fig. 2: hand-picked CIFAR-10 images with pred(x)=pred(HFC)=y≠pred(LFC)")
def hfc_examples_recipe(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``hfc-examples``: more test images are classified correctly from their HFC but not their LFC (r=12) than
    when the HFC predictions are permuted among the images (Fig. 2); LFC accuracy non-decreasing in r with L(16) ≥
    clean − 0.05 (HFC-V1).

    LFC/HFC accuracy of the trained CNN by radius, and the count of test images classified correctly from the image
    and from its HFC but not from its LFC (r = 12), against a null that permutes the HFC predictions among images.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model; ``data_root`` holds CIFAR-10 (shared models are trained once and cached
            under ``ctx.cache_dir``)).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Checks:
        the count exceeds the 99th percentile of its permutation null; L(16) ≥ clean − 0.05; LFC accuracy
        non-decreasing in r. Controls: an untrained copy of the network, and HFC accuracy in place of LFC accuracy.

    Raises:
        DataError: the CIFAR-10 files are not under ``ctx.data_root`` (or FREQLENS_DATA).

    Source:
        Wang et al. 2020 (CVPR), Fig. 2.

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("hfc-examples")
        >>> r.run is hfc_examples_recipe, r.data
        (True, 'cifar10')
    """
    model = shared_classifier(ctx)
    _, _, xte, yte = image_data(ctx, "cifar10", 0, 1000)
    acc = lfc_hfc_accuracy(model, xte, yte, radii=RADII, progress=ctx.progress)
    ex = hfc_examples(model, xte, yte, radius=12, keep=8, progress=ctx.progress)
    test = hfc_example_null(model, xte, yte, radius=12, n_permutations=200, seed=ctx.seed)
    untrained = untrained_copy(model, seed=ctx.seed + 1)
    test0 = hfc_example_null(untrained, xte, yte, radius=12, n_permutations=200, seed=ctx.seed)
    fig = ex.plot(max_rows=6)[0]
    lfc, hfc = acc.lfc_accuracy.tolist(), acc.hfc_accuracy.tolist()
    numbers = {"clean_test": acc.clean_accuracy, "lfc_test": dict(zip(map(str, RADII), lfc)),
               "hfc_test": dict(zip(map(str, RADII), hfc)), "hfc_examples_r12": ex.count,
               "null_99th_percentile": test.threshold, "null_mean": float(test.null_counts.mean()),
               "untrained_count": test0.count, "untrained_null_99th_percentile": test0.threshold,
               "n_evaluated": ex.n_evaluated, "n_clean_correct": ex.n_correct,
               "model": {"shared natural classifier": shared_config(ctx)}}
    checks = [Check.greater("Fig. 2 count − 99th percentile of its HFC-permutation null (r=12)", test.excess, 0,
                            "A4.1 count against a label-independence null"),
              Check.greater_equal("L(16) − (clean − 0.05)", lfc[-1] - (acc.clean_accuracy - 0.05), 0, "HFC-V1"),
              Check.greater_equal("LFC accuracy non-decreasing in r (tol 0.02)", float(_monotone(lfc)), 1, "HFC-V1")]
    controls = [checks[0].control("untrained copy of the network (same count against its own permutation null)",
                                  test0.excess),
                checks[1].control("HFC(16) in place of LFC(16)", hfc[-1] - (acc.clean_accuracy - 0.05)),
                checks[2].control("HFC accuracy in place of LFC accuracy", float(_monotone(hfc)))]
    deviations = [Deviation("model", "vanilla A3/A8 network (no BN, no augmentation, Adam)",
                            "the shared natural CIFAR-10 classifier of the other recipes",
                            "one trained model shared by the CIFAR recipes (budget)"),
                  Deviation("Fig. 2 criterion", "report the count (A4.1, no threshold)",
                            "count > 99th percentile of a permutation null of the HFC predictions",
                            "a count ≥ 1 is met by label-independent predictions (issue 14)", "after")]
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig, results={"accuracy": acc, "examples": ex,
                                                                           "null": test},
                        controls=controls, deviations=deviations, notes="rescale='max'; 1000 test images.")


# ---------------------------------------------------------------------------------------------------- A4.2
def _first_at(values, threshold):
    idx = np.nonzero(np.asarray(values) >= threshold)[0]
    return int(idx[0]) if idx.size else None


def _ratio_at_half(curve) -> tuple[int | None, float, float]:
    """(epoch, L(4)_train/Train, L(4)_train) at the first epoch with clean train accuracy ≥ 0.5 (NaN if never)."""
    e = _first_at(curve.clean_train, 0.5)
    if e is None:
        return None, float("nan"), float("nan")
    return int(curve.epochs[e]), float(curve.lfc_train[e, 0] / curve.clean_train[e]), float(curve.lfc_train[e, 0])


@recipe("hfc-labels", paper=PAPER, data="cifar10",
        finding="at the first epoch with train accuracy ≥ 0.5, L(4)/Train of the natural-label model exceeds the "
                "shuffled-label model's by ≥ 0.2 and the shuffled model's L(4) train accuracy is ≤ 0.2 (HFC-S1, "
                "Fig. 3)",
        paper_value="Fig. 3 (poster): L(4)/Train ≈ 0.8 natural vs ≈ 0.25 shuffled at comparable train accuracy")
def hfc_labels(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``hfc-labels``: at the first epoch with train accuracy ≥ 0.5, L(4)/Train of the natural-label model
    exceeds the shuffled-label model's by ≥ 0.2 and the shuffled model's L(4) train accuracy is ≤ 0.2 (HFC-S1, Fig.
    3).

    Trains the same CNN on natural and on shuffled labels (400 images quick, 2000 full) and compares L(4)/train
    accuracy at the first epoch with train accuracy ≥ 0.5.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model; ``data_root`` holds CIFAR-10 (shared models are trained once and cached
            under ``ctx.cache_dir``)).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Checks:
        L(4)/Train natural − shuffled ≥ 0.2, and the shuffled model's L(4) train accuracy ≤ 0.2. Controls: natural
        labels at another seed in place of the shuffled model, and the natural model in its place.

    Raises:
        DataError: the CIFAR-10 files are not under ``ctx.data_root`` (or FREQLENS_DATA).

    Source:
        Wang et al. 2020 (CVPR), Fig. 3.

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("hfc-labels")
        >>> r.run is hfc_labels, r.data
        (True, 'cifar10')
    """
    n = 400 if ctx.quick else 2000
    epochs_nat, epochs_shuf = (12, 24) if ctx.quick else (30, 100)
    xtr, ytr, _, _ = image_data(ctx, "cifar10", n, 0, ctx.seed)
    yshuf = _permuted(ytr, ctx.seed + 7)
    curves, fine = {}, {}
    runs = (("natural", ytr, epochs_nat, ctx.seed), ("shuffled", yshuf, epochs_shuf, ctx.seed),
            ("natural seed+1", ytr, epochs_nat, ctx.seed + 1))
    for label, y, epochs, seed in runs:
        tr4 = HFCTracker(train=(xtr, y), radii=(4,), components=("lfc",), label=label)
        trackers = [tr4]
        if seed == ctx.seed:  # all radii every 3 epochs for the figure
            trackers.append(HFCTracker(train=(xtr, y), radii=RADII, components=("lfc",), every=3, label=label))
        _train_tracked(ctx, "hfc-labels", {"labels": label.split()[0], "n": n,
                                           "trackers": "L4+all/3" if len(trackers) > 1 else "L4"},
                       (xtr, y), epochs, trackers, batch_size=50, arch={"fc": 512}, seed=seed)
        fine[label] = tr4.result()
        if len(trackers) > 1:
            curves[label] = trackers[1].result()
    at = {k: _ratio_at_half(c) for k, c in fine.items()}
    from freqlens.plot.hfc import plot_curve_panels

    fig, _ = plot_curve_panels(curves, split="train", titles={k: f"{k} labels: training-set accuracy (LFC solid)"
                                                              for k in curves})
    numbers = {"n_train": n, "first_epoch_train_acc_0.5": {k: v[0] for k, v in at.items()},
               "L4_over_train_at_that_epoch": {k: v[1] for k, v in at.items()},
               "L4_train_at_that_epoch": {k: v[2] for k, v in at.items()},
               "final_train_acc": {k: float(c.clean_train[-1]) for k, c in fine.items()},
               "final_L4_train": {k: float(c.lfc_train[-1, 0]) for k, c in fine.items()},
               "curves_L4": {k: {"epochs": c.epochs.tolist(), "train": c.clean_train.tolist(),
                                 "L4": c.lfc_train[:, 0].tolist()} for k, c in fine.items()}}
    diff = at["natural"][1] - at["shuffled"][1]
    checks = [Check.greater_equal("L(4)/Train natural − shuffled at train acc ≥ 0.5", diff, 0.2, "HFC-S1"),
              Check.less_equal("shuffled L(4) train accuracy at that epoch", at["shuffled"][2], 0.2, "HFC-S1")]
    controls = [checks[0].control("natural labels at another seed in place of the shuffled model",
                                  abs(at["natural"][1] - at["natural seed+1"][1])),
                checks[1].control("natural-label model in place of the shuffled one", at["natural"][2])]
    deviations = [Deviation("size", "2k images, FC 512, up to 100 epochs (shuffled) (A8)",
                            f"{n} images, FC 512, {epochs_nat} natural / {epochs_shuf} shuffled epochs, batch 50",
                            "CPU budget at quick size", "before" if not ctx.quick else "after")]
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig,
                        results={f"curves_{k}": c for k, c in curves.items()}, controls=controls, deviations=deviations,
                        notes="NaN: the model never reached 0.5 train accuracy in the epochs given. On a few hundred "
                              "images memorisation can use coarse colour layout, so the shuffled model's L(4) may sit "
                              "above chance (a scale effect; the paper used 50k images).")


# ---------------------------------------------------------------------------------------------------- A4.3
@recipe("hfc-one-component", paper=PAPER, data="cifar10",
        finding="for every r ∈ {8, 12, 16} (quick: {8, 16}) the model trained on LFC images scores ≥ 0.10 higher on "
                "original test images than the model trained on HFC images (HFC-T1, Table 1)",
        paper_value="Table 1 (numbers not available; qualitative)")
def hfc_one_component(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``hfc-one-component``: for every r ∈ {8, 12, 16} (quick: {8, 16}) the model trained on LFC images scores
    ≥ 0.10 higher on original test images than the model trained on HFC images (HFC-T1, Table 1).

    Trains one model on LFC images and one on HFC images per radius (r ∈ {8, 16} quick, {4, 8, 12, 16} full) and
    tests both on the original test images.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model; ``data_root`` holds CIFAR-10 (shared models are trained once and cached
            under ``ctx.cache_dir``)).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Headline
        check: for every r ∈ {8, 12, 16} the LFC-trained model scores ≥ 0.10 higher than the HFC-trained one.
        Controls: shuffled test labels (same models) and an LFC model at another seed in place of the HFC model.

    Raises:
        DataError: the CIFAR-10 files are not under ``ctx.data_root`` (or FREQLENS_DATA).

    Source:
        Wang et al. 2020 (CVPR), Table 1.

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("hfc-one-component")
        >>> r.run is hfc_one_component, r.data
        (True, 'cifar10')
    """
    radii = (8, 16) if ctx.quick else (4, 8, 12, 16)
    n, n_test, epochs = (1000, 500, 6) if ctx.quick else (10000, 1000, 15)
    xtr, ytr, xte, yte = image_data(ctx, "cifar10", n, n_test, ctx.seed)
    lfc, hfc = lfc_hfc_components(xtr, radii, rescale="max")
    yperm = _permuted(yte, ctx.seed + 11)
    table, shuffled = {}, {}

    def train(comp, i, r, seed):
        data = lfc[i] if comp == "LFC" else hfc[i]
        tr = HFCTracker(train=(data[:500], ytr[:500]), test=(xte, yte), radii=(r,), components=("lfc",),
                        every=epochs, bounds=None)  # component images leave [0, 1]
        model = _train_tracked(ctx, "hfc-one-component", {"component": comp, "radius": r, "n": n}, (data, ytr),
                               epochs, [tr], seed=seed)
        c = tr.result()
        return model, {"train": float(c.clean_train[-1]), "original_test": float(c.clean_test[-1])}

    for i, r in enumerate(radii):
        for comp in ("LFC", "HFC"):
            model, table[f"{comp}({r})"] = train(comp, i, r, ctx.seed)
            shuffled[f"{comp}({r})"] = accuracy(model, xte, yperm)
    _, lfc_seed1 = train("LFC", len(radii) - 1, radii[-1], ctx.seed + 1)
    gaps = {r: table[f"LFC({r})"]["original_test"] - table[f"HFC({r})"]["original_test"] for r in radii}
    gated = [r for r in radii if r != 4]
    gap_shuffled = min(shuffled[f"LFC({r})"] - shuffled[f"HFC({r})"] for r in gated)
    seed_spread = abs(lfc_seed1["original_test"] - table[f"LFC({radii[-1]})"]["original_test"])
    from freqlens.plot.hfc import plot_component_training

    fig, _ = plot_component_training(table, radii)
    numbers = {"table": table, "lfc_minus_hfc_original_test": {str(r): g for r, g in gaps.items()}, "n_train": n,
               "epochs": epochs, "shuffled_test_labels_accuracy": shuffled,
               f"LFC({radii[-1]})_seed+1": lfc_seed1}
    checks = [Check.greater_equal("min over r∈{8,12,16} of test acc(LFC-trained) − acc(HFC-trained)",
                                  min(gaps[r] for r in gated), 0.10, "HFC-T1")]
    controls = [checks[0].control("shuffled test labels (same models)", gap_shuffled),
                checks[0].control(f"LFC({radii[-1]}) model at another seed in place of the HFC model "
                                  "(|difference|: seed spread)", seed_spread)]
    deviations = [Deviation("size", "quick: 5k train, 8 epochs; full: 10k train, 15 epochs (A8)",
                            f"{n} train images, {epochs} epochs", "CPU budget at quick size")]
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig, controls=controls,
                        deviations=deviations if ctx.quick else [])


# ---------------------------------------------------------------------------------------------------- A4.4
BATCH_PREMISE = 0.4  # train accuracy every batch size must reach (4× chance): the models must fit the training set


@recipe("hfc-batch-size", paper=PAPER, data="cifar10",
        finding="after the same epochs, the generalisation gap (train − test) is smaller at batch 512 than at batch 32 "
                "(HFC-B1, Fig. 4), every batch size reaching train accuracy ≥ 0.4",
        paper_value="Fig. 4: smaller batches → higher train/test accuracy; larger → smaller gap, less HFC")
def hfc_batch_size(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``hfc-batch-size``: after the same epochs, the generalisation gap (train − test) is smaller at batch 512
    than at batch 32 (HFC-B1, Fig. 4), every batch size reaching train accuracy ≥ 0.4.

    Trains the CNN with batch sizes 32, 128 and 512 for the same epochs and tracks train/test and LFC/HFC accuracy (500
    images and 2 epochs quick, a SMOKE run; 10000 and 15 full).

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model; ``data_root`` holds CIFAR-10 (shared models are trained once and cached
            under ``ctx.cache_dir``)).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Checks:
        gap(batch 512) − gap(batch 32) < 0 (gap = train − test accuracy), and every batch size reaches train
        accuracy ≥ 0.4. Controls: batch 32 at another seed in place of batch 512, and the untrained network.

    Raises:
        DataError: the CIFAR-10 files are not under ``ctx.data_root`` (or FREQLENS_DATA).

    Source:
        Wang et al. 2020 (CVPR), Fig. 4.

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("hfc-batch-size")
        >>> r.run is hfc_batch_size, r.data
        (True, 'cifar10')
    """
    sizes = (32, 128, 512)
    n, n_eval, epochs = (500, 200, 2) if ctx.quick else (10000, 1000, 15)
    xtr, ytr, xte, yte = image_data(ctx, "cifar10", n, n_eval, ctx.seed)
    curves = {}
    for b, seed in [(b, ctx.seed) for b in sizes] + [(32, ctx.seed + 1)]:
        tr = HFCTracker(train=(xtr[:n_eval], ytr[:n_eval]), test=(xte, yte), radii=RADII, every=2,
                        label=f"batch {b}")
        _train_tracked(ctx, "hfc-batch-size", {"n": n}, (xtr, ytr), epochs, [tr], batch_size=b, seed=seed)
        curves[b if seed == ctx.seed else "32 seed+1"] = tr.result()
    gap = {b: float(c.clean_train[-1] - c.clean_test[-1]) for b, c in curves.items()}
    untrained = untrained_copy(A8CNN().to(ctx.device), seed=ctx.seed)
    from freqlens.plot.hfc import plot_curve_panels

    fig, _ = plot_curve_panels({b: curves[b] for b in sizes}, split="test",
                               titles={b: f"batch {b}: gap {gap[b]:.2f} (test LFC solid, HFC dotted)" for b in sizes})
    steps = {str(b): epochs * -(-n // b) for b in sizes}
    numbers = {"gap": {str(b): g for b, g in gap.items()},
               "train": {str(b): float(c.clean_train[-1]) for b, c in curves.items()},
               "test": {str(b): float(c.clean_test[-1]) for b, c in curves.items()},
               "hfc_test_mean": {str(b): float(np.nanmean(c.hfc_test[-1])) for b, c in curves.items()},
               "optimiser_steps": steps, "n_train": n, "epochs": epochs}
    checks = [Check.less("gap(batch 512) − gap(batch 32)", gap[512] - gap[32], 0, "HFC-B1"),
              Check.greater_equal("min over batch sizes of train accuracy (premise)",
                                  min(float(curves[b].clean_train[-1]) for b in sizes), BATCH_PREMISE)]
    controls = [checks[0].control("batch 32 at another seed in place of batch 512", gap["32 seed+1"] - gap[32]),
                checks[1].control("untrained network", accuracy(untrained, xtr[:n_eval], ytr[:n_eval]))]
    smoke = (f"batch 512 gets {steps['512']} optimiser steps at quick size: the models cannot fit the training set, "
             "so the gap comparison is about under-training") if ctx.quick else ""
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig, results={f"curves_b{b}": curves[b] for b in sizes},
                        controls=controls, smoke=smoke,
                        deviations=[Deviation("premise check", "none (HFC-B1 only)",
                                              "every batch size reaches train accuracy ≥ 0.4",
                                              "an untrained batch-512 model passes HFC-B1 (issue 14)", "after")],
                        notes="Same epochs for all sizes, so large batches also take fewer steps (as in the paper).")


# ---------------------------------------------------------------------------------------------------- A4.5
@recipe("hfc-heuristics", paper=PAPER, data="cifar10",
        finding="BatchNorm (batch statistics at evaluation) raises H(4) by ≥ 0.10 over vanilla (HFC-H1); the vanilla "
                "model learns the LFC first (HFC-V2); adversarial training lowers clean accuracy, keeps L(8..16) near "
                "clean and H(8..16) ≤ 0.2 (HFC-H2); dropout within 0.05 of vanilla (HFC-H3)",
        paper_value="Fig. 5 (poster, epoch 100): H(4) vanilla ~0.12, BN ~0.65, mix-up ~0.5, adversarial ~0.2")
def hfc_heuristics(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``hfc-heuristics``: BatchNorm (batch statistics at evaluation) raises H(4) by ≥ 0.10 over vanilla
    (HFC-H1); the vanilla model learns the LFC first (HFC-V2); adversarial training lowers clean accuracy, keeps
    L(8..16) near clean and H(8..16) ≤ 0.2 (HFC-H2); dropout within 0.05 of vanilla (HFC-H3).

    Trains the CNN vanilla and with BatchNorm, mix-up, adversarial training and dropout (mix-up reported, not
    gated), and tracks LFC/HFC test accuracy per radius over epochs.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model; ``data_root`` holds CIFAR-10 (shared models are trained once and cached
            under ``ctx.cache_dir``)).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Checks:
        BatchNorm (batch statistics) raises H(4) by ≥ 0.10; the vanilla model learns the LFC first; adversarial
        training lowers clean accuracy and keeps H(8..16) ≤ 0.2; dropout stays within 0.05 of vanilla. Controls:
        vanilla at another seed, H(4) in place of L(4), and an untrained copy.

    Raises:
        DataError: the CIFAR-10 files are not under ``ctx.data_root`` (or FREQLENS_DATA).

    Source:
        Wang et al. 2020 (CVPR), Fig. 5.

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("hfc-heuristics")
        >>> r.run is hfc_heuristics, r.data
        (True, 'cifar10')
    """
    n, n_eval, epochs = (1000, 300, 5) if ctx.quick else (10000, 1000, 15)
    xtr, ytr, xte, yte = image_data(ctx, "cifar10", n, n_eval, ctx.seed)
    eps = 8 / 255
    variants = {
        "vanilla": ({}, None, "max"),
        "dropout": ({"dropout": 0.5}, None, "max"),
        "mix-up": ({}, MixUp(10, alpha=0.5), "max"),
        "batchnorm": ({"batch_norm": True}, None, "max"),
        # FGSM with random start (A8), step 1.25ε; LFC/HFC evaluated without max-rescaling (as trainMadry)
        "adversarial": ({}, AdversarialExamples(eps=eps, steps=1, step_size=1.25 * eps), "none"),
    }
    curves, extra, models = {}, {}, {}
    for name, (arch, transform, rescale) in variants.items():
        trackers = [HFCTracker(test=(xte, yte), radii=RADII, every=2, rescale=rescale, label=name,
                               bn_eval="batch" if name == "batchnorm" else "running")]
        if name == "batchnorm":
            trackers.append(HFCTracker(test=(xte, yte), radii=RADII, every=epochs, label="batchnorm (running)"))
        if name == "vanilla":
            trackers.append(HFCTracker(test=(xte, yte), radii=(4,), at_start=False, every=1,
                                       label="vanilla L(4), H(4) per epoch"))
        models[name] = _train_tracked(ctx, "hfc-heuristics", {"variant": name, "n": n, "trackers": 3}, (xtr, ytr),
                                      epochs, trackers, arch=arch, transform=transform)
        curves[name] = trackers[0].result()
        if len(trackers) > 1:
            extra[name] = trackers[1].result()
    h4 = {k: float(c.hfc_test[-1, 0]) for k, c in curves.items()}
    clean = {k: float(c.clean_test[-1]) for k, c in curves.items()}
    # HFC-H1 sits near its threshold: freqlens's rule is 2 seeds there and the criterion on the mean.
    h4_seeds = {k: [h4[k]] for k in ("vanilla", "batchnorm")}
    other_seed = {}
    for name in h4_seeds:
        arch, transform, rescale = variants[name]
        tracker = HFCTracker(test=(xte, yte), radii=(4,), components=("hfc",), every=epochs, rescale=rescale,
                             label=f"{name} (seed {ctx.seed + 1})",
                             bn_eval="batch" if name == "batchnorm" else "running")
        other_seed[name] = _train_tracked(ctx, "hfc-heuristics", {"variant": name, "n": n, "trackers": "H4/final"},
                                          (xtr, ytr), epochs, [tracker], arch=arch, transform=transform,
                                          seed=ctx.seed + 1)
        h4_seeds[name].append(float(tracker.result().hfc_test[-1, 0]))
    # the HFC-H2 nulls: a vanilla model at another seed, LFC/HFC-evaluated like the adversarial one's curves
    vanilla2 = lfc_hfc_accuracy(other_seed["vanilla"], xte, yte, radii=RADII, rescale="max", progress=False)
    h4_mean = {k: float(np.mean(v)) for k, v in h4_seeds.items()}
    h4_running = float(extra["batchnorm"].hfc_test[-1, 0])
    adv = curves["adversarial"]
    l4_ratio = {k: float(c.lfc_test[-1, 0] / max(c.clean_test[-1], 1e-9)) for k, c in curves.items()}
    v1 = extra["vanilla"]
    ratio_l = v1.lfc_test[:, 0] / np.maximum(v1.clean_test, 1e-9)
    ratio_h = v1.hfc_test[:, 0] / np.maximum(v1.clean_test, 1e-9)
    untrained_l4 = float(lfc_hfc_accuracy(untrained_copy(models["vanilla"], ctx.seed + 2), xte, yte, radii=(4,),
                                          progress=False).lfc_accuracy[0])
    from freqlens.plot.hfc import plot_curve_panels

    fig, _ = plot_curve_panels(curves, split="test",
                               titles={k: f"{k}\n(test set; BN eval={c.bn_eval}, rescale={c.rescale})"
                                       for k, c in curves.items()}, width=4.4)
    numbers = {"clean_test": clean, "H4_test": h4, "H4_batchnorm_running_stats": h4_running,
               "H4_test_two_seeds": h4_seeds, "H4_test_mean_of_two_seeds": h4_mean,
               "hfc_test_final": {k: c.hfc_test[-1].tolist() for k, c in curves.items()},
               "lfc_test_final": {k: c.lfc_test[-1].tolist() for k, c in curves.items()},
               "L4_over_clean": l4_ratio, "vanilla_L4_over_clean_per_epoch": ratio_l.tolist(),
               "vanilla_H4_over_clean_per_epoch": ratio_h.tolist(), "vanilla_L4_per_epoch": v1.lfc_test[:, 0].tolist(),
               "untrained_L4": untrained_l4, "mixup_H4_minus_vanilla": h4["mix-up"] - h4["vanilla"],
               "vanilla_other_seed": {"clean": vanilla2.clean_accuracy, "lfc": vanilla2.lfc_accuracy.tolist(),
                                      "hfc": vanilla2.hfc_accuracy.tolist()},
               "n_train": n, "epochs": epochs, "adversarial": "FGSM+random start, ε=8/255 (A8)"}
    checks = [
        Check.greater_equal("H(4) BN(batch stats) − H(4) vanilla, mean of 2 seeds",
                            h4_mean["batchnorm"] - h4_mean["vanilla"], 0.10, "HFC-H1"),
        Check.greater_equal("vanilla L(4)/clean at epoch 1 − at the last epoch", float(ratio_l[0] - ratio_l[-1]), 0.2,
                            "HFC-V2"),
        Check.greater_equal("vanilla max over epochs of L(4)", float(np.max(v1.lfc_test[:, 0])), 0.18, "HFC-V2"),
        Check.less("adversarial clean − vanilla clean", clean["adversarial"] - clean["vanilla"], 0, "HFC-H2"),
        Check.less_equal("adversarial max H(r), r∈{8,12,16}", float(np.max(adv.hfc_test[-1, 1:])), 0.2, "HFC-H2"),
        Check.less_equal("adversarial max |L(r) − clean|, r∈{8,12,16}",
                         float(np.max(np.abs(adv.lfc_test[-1, 1:] - adv.clean_test[-1]))), 0.05, "HFC-H2"),
        Check.greater("adversarial L(4)/clean − vanilla L(4)/clean", l4_ratio["adversarial"] - l4_ratio["vanilla"], 0,
                      "HFC-H2"),
        Check.less_equal("|dropout − vanilla| clean accuracy", abs(clean["dropout"] - clean["vanilla"]), 0.05,
                         "HFC-H3"),
    ]
    van = curves["vanilla"]
    vanilla2_l4_ratio = float(vanilla2.lfc_accuracy[0] / max(vanilla2.clean_accuracy, 1e-9))
    controls = [checks[0].control("vanilla at another seed in place of BN (|difference|: seed spread)",
                                  abs(h4_seeds["vanilla"][1] - h4_seeds["vanilla"][0])),
                checks[1].control("H(4) in place of L(4) (the high-frequency component)",
                                  float(ratio_h[0] - ratio_h[-1])),
                checks[2].control("untrained copy of the vanilla network", untrained_l4),
                # HFC-H2: a model without adversarial training in place of the adversarial one
                checks[3].control("vanilla at another seed in place of the adversarial model (seed spread)",
                                  vanilla2.clean_accuracy - clean["vanilla"]),
                checks[4].control("vanilla in place of the adversarial model", float(np.max(van.hfc_test[-1, 1:]))),
                checks[5].control("vanilla in place of the adversarial model",
                                  float(np.max(np.abs(van.lfc_test[-1, 1:] - van.clean_test[-1])))),
                checks[6].control("vanilla at another seed in place of the adversarial model (seed spread)",
                                  vanilla2_l4_ratio - l4_ratio["vanilla"]),
                # HFC-H3 claims no change: a model that does change (adversarial training) must fail it
                checks[7].control("adversarial in place of dropout (a training change that does lower accuracy)",
                                  abs(clean["adversarial"] - clean["vanilla"]))]
    deviations = [Deviation("size", "quick 5k × 8 epochs, full 10k × 15 (A8)", f"{n} × {epochs} epochs",
                            "CPU budget (7 models)")] if ctx.quick else []
    deviations.append(Deviation("HFC-H1 seeds", "2 seeds for criteria near their threshold, criterion on the mean (A8)",
                                "2 seeds for H1 only", "H1 measured near its threshold", "after"))
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig,
                        results={f"curves_{k}": c for k, c in curves.items()}, controls=controls, deviations=deviations,
                        notes="Mix-up H(4) reported, not gated (HFC-H3 expects ≥ 30 epochs). HFC-H2's "
                              "'clean below vanilla' and 'L(4)/clean above vanilla' have no margin, so their "
                              "seed-spread nulls pass about half the time by chance: the recipe then FAILs, since "
                              "those gates cannot tell adversarial training from a reseed.")


# ---------------------------------------------------------------------------------------------------- A4.6
BN_SPEEDUP = 0.05  # epoch-1 train-accuracy lead of BN (5 points); the paper's Fig. 6 gives no number


@recipe("hfc-batchnorm", paper=PAPER, data="cifar10",
        finding="trained on LFC images, BatchNorm speeds up the convergence of training accuracy: epoch-1 train "
                "accuracy ≥ 5 points above no BN at the largest r (Fig. 6); test-accuracy differences are reported",
        paper_value="Fig. 6: BN converges faster in training accuracy, least at r=4; no consistent test gain")
def hfc_batchnorm(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``hfc-batchnorm``: trained on LFC images, BatchNorm speeds up the convergence of training accuracy:
    epoch-1 train accuracy ≥ 5 points above no BN at the largest r (Fig. 6); test-accuracy differences are reported.

    Trains the CNN with and without BatchNorm on LFC images per radius (r ∈ {4, 12} quick, {4, 8, 12, 16} full) and
    tracks train, original-test and LFC-test accuracy.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model; ``data_root`` holds CIFAR-10 (shared models are trained once and cached
            under ``ctx.cache_dir``)).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Headline
        check: epoch-1 train accuracy with BN − without BN ≥ 0.05 at the largest r. Control: no BN at another seed
        in place of BN (the seed spread).

    Raises:
        DataError: the CIFAR-10 files are not under ``ctx.data_root`` (or FREQLENS_DATA).

    Source:
        Wang et al. 2020 (CVPR), Fig. 6.

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("hfc-batchnorm")
        >>> r.run is hfc_batchnorm, r.data
        (True, 'cifar10')
    """
    radii = (4, 12) if ctx.quick else RADII
    n, n_eval, epochs = (1000, 300, 4) if ctx.quick else (10000, 1000, 15)
    xtr, ytr, xte, yte = image_data(ctx, "cifar10", n, n_eval, ctx.seed)
    lfc_tr, _ = lfc_hfc_components(xtr, radii, rescale="max", components=("lfc",))
    runs = {}
    jobs = [(i, r, bn, ctx.seed) for i, r in enumerate(radii) for bn in (False, True)]
    jobs.append((len(radii) - 1, radii[-1], False, ctx.seed + 1))
    for i, r, bn, seed in jobs:
        tr = HFCTracker(train=(lfc_tr[i][:n_eval], ytr[:n_eval]), test=(xte, yte), radii=(r,), components=("lfc",),
                        label=f"r={r} {'BN' if bn else 'no BN'}", bounds=None, bn_eval="batch")
        # BN evaluated with batch statistics (homogeneous batches of 100), as the official code does
        _train_tracked(ctx, "hfc-batchnorm", {"radius": r, "bn": bn, "n": n, "bn_eval": "batch"}, (lfc_tr[i], ytr),
                       epochs, [tr], arch={"batch_norm": bn}, seed=seed)
        runs[(r, bn) if seed == ctx.seed else "seed+1"] = tr.result()
    from freqlens.plot.hfc import plot_batchnorm_runs

    fig, _ = plot_batchnorm_runs(runs, radii)
    speed = {str(r): float(runs[(r, True)].clean_train[0] - runs[(r, False)].clean_train[0]) for r in radii}
    test_gain = {str(r): float(runs[(r, True)].clean_test[-1] - runs[(r, False)].clean_test[-1]) for r in radii}
    lfc_gain = {str(r): float(runs[(r, True)].lfc_test[-1, 0] - runs[(r, False)].lfc_test[-1, 0]) for r in radii}
    r_max = max(radii)
    seed_spread = abs(float(runs["seed+1"].clean_train[0] - runs[(r_max, False)].clean_train[0]))
    numbers = {"train_acc_epoch1_BN_minus_noBN": speed, "original_test_BN_minus_noBN_final": test_gain,
               "lfc_test_BN_minus_noBN_final": lfc_gain, "noBN_epoch1_train_seed_spread": seed_spread,
               "runs": {f"r={k[0]},bn={k[1]}" if isinstance(k, tuple) else k:
                        {"train": c.clean_train.tolist(), "test": c.clean_test.tolist(),
                         "lfc_test": c.lfc_test[:, 0].tolist()} for k, c in runs.items()}}
    checks = [Check.greater_equal("epoch-1 train acc BN − no BN at the largest r", speed[str(r_max)], BN_SPEEDUP,
                                  "A4.6: BN speeds up training")]
    controls = [checks[0].control("no BN at another seed in place of BN (|difference|: seed spread)", seed_spread)]
    deviations = [Deviation("gate", "A4.6 states no number", "BN leads by ≥ 5 points of epoch-1 train accuracy",
                            "a threshold of 0 is met by seed noise (issue 14)", "after")]
    if ctx.quick:
        deviations.append(Deviation("size", "10k train, 15 epochs, r ∈ {4, 8, 12, 16} (A8)",
                                    f"{n} × {epochs} epochs, r ∈ {radii}", "CPU budget"))
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig, controls=controls, deviations=deviations,
                        notes="Not gated: the paper reports no consistent test-accuracy gain from BN with LFC "
                              "training; here the original-test difference BN − no BN is reported per r "
                              "(original_test_BN_minus_noBN_final) and may disagree with the paper.")
