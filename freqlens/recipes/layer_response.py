"""Beyond the papers: the per-layer frequency response of a CNN. A Gaussian-augmented model's first layers
pass high input frequencies less (relative to low ones) than a naturally trained model's (Yin et al.'s
observation that Gaussian augmentation makes models less sensitive to high frequencies, located per layer).

The null is the natural training at another seed: two natural models differ in their band ratios by training
noise alone, so the Gaussian-augmented model must differ from the natural one by more than that. The threshold
(a ratio below 0.8, i.e. at least 20 % relative attenuation) is freqlens's own, fixed before any run: no spec
gives one.
"""
from __future__ import annotations

from dataclasses import replace

from freqlens.probes.layers import kernel_spectra, layer_frequency_response
from freqlens.recipes._trained import image_data, shared_classifier
from freqlens.recipes.base import Check, Deviation, RecipeContext, RecipeOutput, recipe

LOW, HIGH = 4.0, 12.0  # bands in cycles per image on 32×32: low 0 < r ≤ 4, high r > 12
THRESHOLD = 0.8        # gaussian/natural ratio of the high/low band gain must be below this (freqlens, before runs)


def models(ctx: RecipeContext) -> dict:
    """The three cached shared CIFAR-10 classifiers the recipe compares: natural, Gaussian-augmented, and natural at
    seed + 1 (the null), each trained on first use.

    Args:
        ctx: the recipe context (``data_root``, ``seed``, ``quick`` and ``cache_dir``).

    Returns:
        ``{"natural", "gaussian", "natural-seed"}`` → model mapping (N, 3, 32, 32) images in [0, 1] to (N, 10) logits.

    Raises:
        DataError: CIFAR-10 is not under ``ctx.data_root`` (and the models are not cached).

    Source:
        freqlens.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> models(RecipeContext(quick=True, out_dir=Path(tempfile.mkdtemp()) / "r", data_root="/nonexistent"))
        Traceback (most recent call last):
        ...
        freqlens.errors.DataError: data root /nonexistent is not a folder
    """
    return {"natural": shared_classifier(ctx), "gaussian": shared_classifier(ctx, "gaussian"),
            "natural-seed": shared_classifier(replace(ctx, seed=ctx.seed + 1))}


def test_images(ctx: RecipeContext, n: int):
    """The first ``n`` CIFAR-10 test images.

    Args:
        ctx: the recipe context (``data_root``).
        n: how many images.

    Returns:
        (n, 3, 32, 32) float32 images in [0, 1].

    Raises:
        DataError: CIFAR-10 is not under ``ctx.data_root``.

    Source:
        freqlens.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> test_images(RecipeContext(quick=True, out_dir=Path(tempfile.mkdtemp()), data_root="/nonexistent"), 4)
        Traceback (most recent call last):
        ...
        freqlens.errors.DataError: data root /nonexistent is not a folder
    """
    return image_data(ctx, "cifar10", 0, n)[2]


@recipe("layer-response", paper="freqlens (beyond Wang et al. 2020 / Yin et al. 2019)", data="cifar10",
        finding="the Gaussian-augmented model's first two trained conv layers pass high frequencies (r > 12) "
                "relative to low ones (0 < r ≤ 4) at most 0.8× as much as the natural model's, while a natural model "
                "at another seed does not",
        paper_value="no paper value (new probe); Yin et al.: Gaussian augmentation lowers high-frequency sensitivity")
def layer_response(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``layer-response``: the Gaussian-augmented model's first two trained conv layers pass high frequencies
    (r > 12) relative to low ones (0 < r ≤ 4) at most 0.8× as much as the natural model's, while a natural model at
    another seed does not.

    Per-layer frequency response (basis mode) of the natural and the Gaussian-augmented shared classifiers: the
    high/low band gain ratio (r > 12 over 0 < r ≤ 4 cycles per image) of the first two trained conv layers (frozen
    ones skipped).

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model; ``data_root`` holds CIFAR-10 (shared models are trained once and cached
            under ``ctx.cache_dir``)).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Checks:
        Gaussian/natural ratio of the band-gain ratio < 0.8 for each of the first two trained conv layers. Control: a
        natural model at another seed in place of the Gaussian-augmented one.

    Raises:
        DataError: the CIFAR-10 files are not under ``ctx.data_root`` (or FREQLENS_DATA).

    Source:
        freqlens (a new probe; Yin et al. 2019: Gaussian augmentation lowers high-frequency sensitivity).

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("layer-response")
        >>> r.run is layer_response, r.data
        (True, 'cifar10')
    """
    from freqlens.plot.layers import plot_layer_response_comparison

    nets = models(ctx)
    xte = test_images(ctx, 8)
    n_img = 2 if ctx.quick else 8
    resp, pert, spectra = {}, {}, {}
    for k, m in nets.items():
        resp[k] = layer_frequency_response(m, image_size=tuple(xte.shape[1:]), mode="basis", progress=ctx.progress)
        pert[k] = layer_frequency_response(m, images=xte, mode="perturbation", n_images=n_img, progress=ctx.progress)
        spectra[k] = kernel_spectra(m, size=xte.shape[-1])
    names = resp["natural"].layer_names
    convs = [i for i, t in enumerate(resp["natural"].layer_types) if t.startswith("Conv")]
    # a frozen conv (FastCifarNet's patch-whitening layer, set from the training images' statistics) is the same
    # in every model trained on those images: the check is about what training changed, so it skips frozen layers
    modules = dict(nets["natural"].named_modules())
    frozen = [names[i] for i in convs if getattr(getattr(modules.get(names[i]), "weight", None), "requires_grad",
                                                 True) is False]
    convs = [i for i in convs if names[i] not in frozen]
    ratio = {k: r.band_ratio(LOW, HIGH) for k, r in resp.items()}
    ratio_p = {k: r.band_ratio(LOW, HIGH) for k, r in pert.items()}
    rel = {k: {names[i]: float(ratio[k][i] / ratio["natural"][i]) for i in convs} for k in ("gaussian", "natural-seed")}
    rel_p = {k: {names[i]: float(ratio_p[k][i] / ratio_p["natural"][i]) for i in convs}
             for k in ("gaussian", "natural-seed")}
    band = f"low 0<r≤{LOW:g}, high r>{HIGH:g} cycles/image (32×32)"
    checks, controls = [], []
    for i in convs[:2]:
        c = Check.less(f"gaussian/natural ratio of high/low band gain, layer {names[i]} (basis)",
                       rel["gaussian"][names[i]], THRESHOLD, band)
        checks.append(c)
        controls.append(c.control("natural model at another seed in place of the Gaussian-augmented one",
                                  rel["natural-seed"][names[i]]))
    fig, _ = plot_layer_response_comparison(resp, pert, {k: spectra[k] for k in ("natural", "gaussian")}, LOW, HIGH)
    numbers = {"band": band, "threshold": THRESHOLD, "frozen_layers_skipped": frozen,
               "band_ratio_basis": {k: dict(zip(names, v.tolist())) for k, v in ratio.items()},
               "band_ratio_perturbation": {k: dict(zip(names, v.tolist())) for k, v in ratio_p.items()},
               "over_natural_basis": rel, "over_natural_perturbation": rel_p}
    deviations = [Deviation("threshold", "no spec (a freqlens probe)", f"ratio < {THRESHOLD}",
                            "a real effect must exceed the seed-to-seed spread; the seed null is measured beside it",
                            "before")]
    if frozen:
        deviations.insert(0, Deviation("layers", "the first two conv layers",
                                       f"the first two trained conv layers (frozen, skipped: {frozen})",
                                       "a frozen whitening layer is identical in every model trained on the same "
                                       "images, so its ratio is 1 by construction and the check could never pass "
                                       "there", "after"))
    return RecipeOutput(numbers=numbers, checks=checks, controls=controls, figure=fig,
                        results={"natural_basis": resp["natural"], "gaussian_basis": resp["gaussian"],
                                 "natural_seed_basis": resp["natural-seed"], "natural_kernels": spectra["natural"]},
                        deviations=deviations,
                        notes="Gain of layer l is end-to-end from the input to that layer's output (cumulative).")
