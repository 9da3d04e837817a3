"""Wang et al. (CVPR 2020) Fig. 7 and appendix with 5×5 first-layer kernels (§6.2, check HFC-K3): kernels of
an adversarially trained CIFAR-10 model are smoother than those of a naturally trained one, and the paper's
Eq. 3 smoothing (ρ = 1) makes both smoother.

A recipe of its own rather than part of ``kernel-smoothing``: it needs two extra models (5×5 first layer), which
would push ``kernel-smoothing`` (already ~60 s quick) far over the per-recipe quick budget, and it checks a
different criterion (HFC-K3) on a different network; ``kernel-smoothing`` keeps the 3×3 roughness as reported numbers.
"""
from __future__ import annotations

import torch

from freqlens.inference import accuracy
from freqlens.interventions.conv_kernels import conv_kernel_roughness, first_conv, smooth_conv_kernels
from freqlens.models import ConvNet
from freqlens.recipes._trained import image_data, trained_classifier
from freqlens.recipes.base import Check, RecipeContext, RecipeOutput, recipe
from freqlens.recipes.hfc import PAPER

ARCH = "convnet-small"
ARCH_KWARGS = {"first_kernel_size": 5}
VARIANTS = ("natural", "adversarial")
GAUSSIAN_5X5 = 80 / 25  # ratio of expectations for i.i.d. Gaussian 5×5 kernels: E[Σ adjacent squared differences] / E[Σ w²]


def sizes(ctx: RecipeContext) -> dict[str, int]:
    """Quick: 3 000 balanced training images × 5 epochs (natural ≈ 20 s, adversarial (FGSM with random start) ≈ 40 s on 2 busy
    cores), 500 test images; full: 10 000 × 15, 1 000 test images."""
    return {"n_train": 3000, "epochs": 5, "n_test": 500} if ctx.quick else {"n_train": 10000, "epochs": 15, "n_test": 1000}


def roughness_5x5_models(ctx: RecipeContext) -> dict[str, torch.nn.Module]:
    """The natural and adversarially trained (FGSM with random start, ε = 8/255) convnet-small with 5×5 first-layer
    kernels, cached."""
    s = sizes(ctx)
    return {v: trained_classifier(ctx, "cifar10", ARCH, v, n_train=s["n_train"], epochs=s["epochs"],
                                  arch_kwargs=dict(ARCH_KWARGS)) for v in VARIANTS}


def _initial_weight(ctx: RecipeContext) -> torch.Tensor:
    """First-layer weight at initialisation (trained_classifier seeds the build with ctx.seed): (16, 3, 5, 5)."""
    torch.manual_seed(ctx.seed)
    return ConvNet(3, 10, widths=(16, 32, 64), **ARCH_KWARGS).features[0].weight.detach()


@recipe("kernel-roughness-5x5", paper=PAPER, data="cifar10",
        finding="adversarially trained 5×5 first-layer kernels are smoother (lower adjacent-weight roughness) than "
                "naturally trained ones, and Eq. 3 smoothing (ρ = 1) lowers the roughness of both (Fig. 7, appendix)",
        paper_value="Fig. 7 and appendix (pictures only; the roughness number is our companion measure)")
def kernel_roughness_5x5(ctx: RecipeContext) -> RecipeOutput:
    s = sizes(ctx)
    models = roughness_5x5_models(ctx)
    _, _, xte, yte = image_data(ctx, "cifar10", 0, s["n_test"])
    weights, rough, rough_after, clean = {}, {}, {}, {}
    for name, model in models.items():
        before = first_conv(model).weight.detach()
        after = first_conv(smooth_conv_kernels(model, 1.0)).weight.detach()
        weights[name], weights[f"{name} ρ=1"] = before, after
        rough[name], rough_after[name] = conv_kernel_roughness(before), conv_kernel_roughness(after)
        clean[name] = accuracy(model, xte, yte)
    w0 = _initial_weight(ctx)
    init = conv_kernel_roughness(w0)
    # what training added to the initial kernels (both models start from w0): a sharper view at small sizes
    update = {k: conv_kernel_roughness(weights[k].cpu() - w0) for k in models}

    import matplotlib.pyplot as plt

    from freqlens.plot.conv_kernels import plot_conv_kernel_mosaic

    fig, axes = plt.subplots(4, 1, figsize=(9, 7.5), constrained_layout=True)
    for ax, (label, w) in zip(axes, weights.items()):
        base = label.split()[0]
        r = rough_after[base] if "ρ" in label else rough[base]
        what = "after Eq. 3 smoothing, ρ = 1" if "ρ" in label else f"trained, clean acc {clean[base]:.2f}"
        plot_conv_kernel_mosaic(w, ax, title=f"{base} ({what}): roughness {r:.2f}")
    fig.suptitle(f"First-layer 5×5 kernels, CIFAR-10 convnet-small ({s['n_train']} images × {s['epochs']} epochs); "
                 f"roughness at init {init:.2f}, i.i.d. Gaussian {GAUSSIAN_5X5:.1f}; lower = smoother", fontsize=9)
    numbers = {"roughness": rough, "roughness_after_rho1": rough_after, "roughness_init": init,
               "roughness_of_update_from_init": update,
               "roughness_gaussian_reference": GAUSSIAN_5X5, "clean_accuracy": clean, "kernel_size": 5,
               "model": f"{ARCH} (BatchNorm, first conv 5×5, 16 filters), SGD, crop/flip; "
                        "adversarial: FGSM with random start, ε=8/255",
               **s}
    checks = [
        Check.less("roughness adversarial − natural (5×5 first layer)", rough["adversarial"] - rough["natural"], 0,
                   "HFC-K3"),
        Check.less("max over models of roughness after ρ=1 − before",
                   max(rough_after[k] - rough[k] for k in models), 0, "HFC-K3"),
    ]
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig,
                        notes="Roughness = Σ over 4-neighbour pairs (w_a − w_b)² / Σ w², mean over (filter, channel) "
                              "kernels (Wang et al., Fig. 7). Each picture cell is min–max scaled on its own. Both models start "
                              "from the same initialisation (same seed). Not the paper's ResNet.")
