"""Wang et al. (CVPR 2020) §6.3 / Table 2 scaled down: smoothing the first-layer kernels (Eq. 3)
trades clean accuracy for robustness to FGSM/PGD; adversarially trained kernels are smoother (Fig. 7)."""
from __future__ import annotations

import numpy as np
import torch

from freqlens.attacks.pgd import pgd_attack
from freqlens.inference import accuracy, predict_labels
from freqlens.interventions.conv_kernels import conv_kernel_roughness, first_conv, smooth_conv_kernels
from freqlens.recipes._trained import image_data, shared_classifier
from freqlens.recipes.base import Check, RecipeContext, RecipeOutput, recipe
from freqlens.recipes.hfc import PAPER

RHOS = (0.0, 0.1, 0.25, 0.5, 1.0)


def fgsm_sweep_accuracy(model, x, y, eps_grid, max_batch=250):
    """Minimal-ε FGSM on a grid (Foolbox semantics): one gradient sign d; a point counts as robust at ε_k when
    it is clean-correct and clip(x + ε_j d) is still correct for every ε_j ≤ ε_k. Returns (accuracy per ε,
    fraction of images with an all-zero input gradient). FGSM is ``pgd_attack`` with one unit step (ε = 1,
    no random start); d = sign(x_adv − x) reproduces the clipped sign step exactly at any ε."""
    x1 = pgd_attack(model, x, y, eps=1.0, step_size=1.0, steps=1, random_start=False, max_batch=max_batch,
                    predict=False).adversarial
    d = torch.sign(x1 - x)
    zero_grad = float((d.flatten(1).abs().sum(1) == 0).float().mean())
    y = y.cpu()
    ok = predict_labels(model, x, max_batch=max_batch) == y
    acc = []
    for e in sorted(eps_grid):
        ok = ok & (predict_labels(model, (x + e * d).clamp(0, 1), max_batch=max_batch) == y)
        acc.append(float(ok.float().mean()))
    return acc, zero_grad


def _margin_loss(logits, y):
    true = logits.gather(1, y[:, None]).squeeze(1)
    other = logits.masked_fill(torch.nn.functional.one_hot(y, logits.shape[1]).bool(), float("-inf")).amax(1)
    return (other - true).sum()


def _pgd_acc(model, x, y, eps, steps, margin=False, seed=0):
    xa = pgd_attack(model, x, y, eps=eps, steps=steps, step_size=2.5 * eps / steps, random_start=True, seed=seed,
                    loss_fn=_margin_loss if margin else None, max_batch=250, predict=False).adversarial
    return accuracy(model, xa, y)


@recipe("kernel-smoothing", paper=PAPER, data="cifar10",
        finding="smoothing first-layer kernels (Eq. 3, ρ up to 1) lowers clean accuracy and does not lower FGSM "
                "robustness at large ε (Table 2); 3×3 kernel roughness reported (Fig. 7 is checked on 5×5 kernels by "
                "kernel-roughness-5x5)",
        paper_value="Table 2 (numbers not available): clean accuracy plunges with ρ, robustness rises at large ε")
def kernel_smoothing(ctx: RecipeContext) -> RecipeOutput:
    n_test = 300 if ctx.quick else 1000
    eps_grid = (0.005, 0.01, 0.02, 0.03, 0.06, 0.09) if ctx.quick else (0.01, 0.02, 0.03, 0.06, 0.09, 0.12, 0.15)
    models = {"natural": shared_classifier(ctx), "adversarial": shared_classifier(ctx, "adversarial")}
    _, _, xte, yte = image_data(ctx, "cifar10", 0, n_test)
    # images stay on the CPU: pgd_attack and predict move batches to the model's device
    rows, table = [], {}
    for mname, model in models.items():
        for rho in RHOS:
            m = smooth_conv_kernels(model, rho) if rho > 0 else model
            clean = accuracy(m, xte, yte)
            fgsm, zero = fgsm_sweep_accuracy(m, xte, yte, eps_grid)
            entry = {"clean": clean, "fgsm_min_eps": dict(zip(map(str, eps_grid), fgsm)), "zero_gradient": zero}
            if rho in (0.0, 1.0):
                entry["pgd_ce_0.03"] = _pgd_acc(m, xte, yte, 0.03, 5 if ctx.quick else 20, seed=ctx.seed)
                entry["pgd_margin_0.03"] = _pgd_acc(m, xte, yte, 0.03, 5 if ctx.quick else 20, True, ctx.seed)
            entry["roughness"] = conv_kernel_roughness(first_conv(m).weight)
            table[f"{mname} ρ={rho:g}"] = entry
            rows.append((f"{mname} ρ={rho:g}", [clean] + fgsm))
    nat = [table[f"natural ρ={r:g}"] for r in RHOS]
    cleans = [e["clean"] for e in nat]
    top = [str(e) for e in sorted(eps_grid)[-2:]]
    fgsm_gain = min(table["natural ρ=1"]["fgsm_min_eps"][e] - table["natural ρ=0"]["fgsm_min_eps"][e] for e in top)
    rough = {k: table[f"{k} ρ=0"]["roughness"] for k in models}
    rough_after = {k: table[f"{k} ρ=1"]["roughness"] for k in models}
    # figure: Table 2 as a heat-map table
    import matplotlib.pyplot as plt

    from freqlens.plot.conv_kernels import plot_conv_kernel_grid
    from freqlens.plot.style import save_figure

    data = np.array([r[1] for r in rows])
    fig, ax = plt.subplots(figsize=(8, 6), constrained_layout=True)
    im = ax.imshow(data, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(data.shape[1]))
    ax.set_xticklabels(["clean"] + [f"FGSM ε={e:g}" for e in sorted(eps_grid)], rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in rows], fontsize=8)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            ax.text(j, i, f"{data[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="w" if data[i, j] < 0.5 else "k")
    fig.colorbar(im, ax=ax).set_label("accuracy")
    ax.set_title(f"Kernel smoothing (Eq. 3, first conv): accuracy under minimal-ε FGSM, {n_test} test images")
    kfig, _ = plot_conv_kernel_grid({"natural": first_conv(models["natural"]).weight,
                                "adversarial": first_conv(models["adversarial"]).weight,
                                "natural ρ=1": first_conv(smooth_conv_kernels(models["natural"], 1.0)).weight},
                               title="First-layer 3×3 kernels: natural vs adversarial vs smoothed (each cell min–max scaled)")
    save_figure(kfig, ctx.out_dir / "kernels.png")
    numbers = {"table": table, "eps_grid": list(eps_grid), "rhos": list(RHOS), "roughness": rough,
               "roughness_after_rho1": rough_after, "n_test": n_test,
               "attacks": "FGSM: minimal-ε sweep on the ε grid (Foolbox-style); PGD: fixed ε, random start, CE and "
                          "margin loss, ρ ∈ {0, 1} only"}
    checks = [
        Check.less("clean(ρ=1) − (clean(ρ=0) − 0.05), natural", cleans[-1] - (cleans[0] - 0.05), 0, "HFC-K2"),
        Check.greater_equal("clean accuracy non-increasing in ρ (tol 0.01), natural",
                            float(all(b <= a + 0.01 for a, b in zip(cleans, cleans[1:]))), 1, "HFC-K2"),
        Check.greater_equal("min over the two largest ε of FGSM acc(ρ=1) − acc(ρ=0), natural", fgsm_gain, 0, "HFC-K2"),
    ]
    # HFC-K3 is checked on 5×5 first-layer kernels by the recipe kernel-roughness-5x5; the 3×3 numbers are reported
    numbers["roughness_3x3_adversarial_minus_natural"] = rough["adversarial"] - rough["natural"]
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig,
                        notes="Kernel pictures in kernels.png; 3×3 roughness reported, not gated (HFC-K3 "
                              "asks for 5×5 kernels: see kernel-roughness-5x5). Models: shared natural and adversarial "
                              "(FGSM with random start) "
                              "convnet-small classifiers (BatchNorm after the first conv), not the paper's ResNet.")
