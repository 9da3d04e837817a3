"""Beyond the papers: the per-layer frequency response of a CNN. A Gaussian-augmented model's first layers
pass high input frequencies less (relative to low ones) than a naturally trained model's (Yin et al.'s
observation that Gaussian augmentation makes models less sensitive to high frequencies, located per layer)."""
from __future__ import annotations

import numpy as np

from freqlens.probes.layers import kernel_spectra, layer_frequency_response
from freqlens.recipes._trained import image_data, shared_classifier
from freqlens.recipes.base import Check, RecipeContext, RecipeOutput, recipe

LOW, HIGH = 4.0, 12.0  # bands in cycles per image on 32×32: low 0 < r ≤ 4, high r > 12


@recipe("layer-response", paper="freqlens (beyond Wang et al. 2020 / Yin et al. 2019)", data="cifar10",
        finding="the Gaussian-augmented model's first conv layers attenuate high frequencies (r > 12) relative to "
                "low ones (0 < r ≤ 4) more than the natural model's",
        paper_value="no paper value (new probe); Yin et al.: Gaussian augmentation lowers high-frequency sensitivity")
def layer_response(ctx: RecipeContext) -> RecipeOutput:
    models = {"natural": shared_classifier(ctx), "gaussian": shared_classifier(ctx, "gaussian")}
    _, _, xte, _ = image_data(ctx, "cifar10", 0, 8)
    n_img = 2 if ctx.quick else 8
    resp, pert, spectra = {}, {}, {}
    for k, m in models.items():
        resp[k] = layer_frequency_response(m, image_size=(3, 32, 32), mode="basis", progress=ctx.progress)
        pert[k] = layer_frequency_response(m, images=xte, mode="perturbation", n_images=n_img, progress=ctx.progress)
        spectra[k] = kernel_spectra(m)
    names = resp["natural"].layer_names
    convs = [i for i, t in enumerate(resp["natural"].layer_types) if t.startswith("Conv")]
    ratio = {k: r.band_ratio(LOW, HIGH) for k, r in resp.items()}
    ratio_p = {k: r.band_ratio(LOW, HIGH) for k, r in pert.items()}
    first2 = convs[:2]
    rel = {names[i]: float(ratio["gaussian"][i] / ratio["natural"][i]) for i in convs}
    rel_p = {names[i]: float(ratio_p["gaussian"][i] / ratio_p["natural"][i]) for i in convs}
    import matplotlib.pyplot as plt

    from freqlens.plot.style import centred_extent

    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5), constrained_layout=True)
    for row, k in enumerate(models):
        for col, i in enumerate(first2):
            a = axes[row, col]
            im = a.imshow(np.log10(np.maximum(resp[k].gain[i], 1e-12)), cmap="magma", extent=centred_extent((32, 32)))
            a.set_title(f"{k}: layer {names[i]} energy gain (basis mode)", fontsize=9)
            a.set_xlabel("f_v (cycles/image)")
            a.set_ylabel("f_u")
            fig.colorbar(im, ax=a, shrink=0.8).set_label("log10 ‖Δout‖/‖Δin‖")
    ax = axes[0, 2]
    x = np.arange(len(convs))
    for j, (k, r) in enumerate(ratio.items()):
        ax.bar(x + (j - 0.5) * 0.4, r[convs], 0.4, label=f"{k} (basis)")
    ax.plot(x - 0.2, ratio_p["natural"][convs], "k_", ms=12, label="natural (image + basis)")
    ax.plot(x + 0.2, ratio_p["gaussian"][convs], "r_", ms=12, label="gaussian (image + basis)")
    ax.set_xticks(x)
    ax.set_xticklabels([names[i] for i in convs], rotation=45, ha="right", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel(f"gain(r > {HIGH:g}) / gain(0 < r ≤ {LOW:g})")
    ax.set_title("High/low-band gain ratio per conv layer\n(input → that layer)", fontsize=9)
    ax.legend(fontsize=6, loc="lower right")
    ax = axes[1, 2]
    for k, ls in (("natural", "-"), ("gaussian", "--")):
        s = spectra[k].spectra[0]
        ax.plot(np.arange(-16, 16), s[16], ls, label=f"{k}: first conv |DFT| (row f_u = 0)")
    ax.set_xlabel("f_v (cycles/image)")
    ax.set_ylabel("mean |DFT| of kernels")
    ax.set_title("First-layer kernels as a linear filter", fontsize=9)
    ax.legend(fontsize=7)
    numbers = {"band": f"low 0<r≤{LOW:g}, high r>{HIGH:g} cycles/image (32×32)",
               "band_ratio_basis": {k: dict(zip(names, v.tolist())) for k, v in ratio.items()},
               "band_ratio_perturbation": {k: dict(zip(names, v.tolist())) for k, v in ratio_p.items()},
               "gaussian_over_natural_ratio_basis": rel, "gaussian_over_natural_ratio_perturbation": rel_p}
    checks = [Check.less(f"ratio gaussian/natural of high/low gain, layer {names[first2[0]]} (basis)",
                         rel[names[first2[0]]], 1.0, numbers["band"]),
              Check.less(f"ratio gaussian/natural of high/low gain, layer {names[first2[1]]} (basis)",
                         rel[names[first2[1]]], 1.0, numbers["band"])]
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig,
                        results={"natural_basis": resp["natural"], "gaussian_basis": resp["gaussian"],
                                 "natural_kernels": spectra["natural"]},
                        notes="Gain of layer l is end-to-end from the input to that layer's output (cumulative).")
