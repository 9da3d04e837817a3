"""PROPOSAL (check HFC-R1), not a result of the HFC paper: train the same small CIFAR-10 model
with the adjacent-weight smoothness penalty λ·R(W) on its first conv layer (``SmoothnessRegularizer`` through
``fit(regularizer=...)``) for λ ∈ {0, 1e-3, 1e-2, 1e-1}; the trained first-layer kernels get smoother as λ grows.
Clean accuracy and fixed-ε FGSM accuracy are reported per λ (not gated).
"""
from __future__ import annotations

import math

import numpy as np
from torch import nn

from freqlens.attacks.pgd import fgsm as fgsm_attack
from freqlens.inference import accuracy
from freqlens.interventions.conv_kernels import SmoothnessRegularizer, conv_kernel_roughness, first_conv
from freqlens.recipes._trained import image_data, trained_classifier
from freqlens.recipes.base import Check, RecipeContext, RecipeOutput, recipe

LAMBDAS = (0.0, 1e-3, 1e-2, 1e-1)
FGSM_EPS = 2 / 255


def sizes(ctx: RecipeContext) -> dict[str, int]:
    """Quick: 2 000 balanced training images × 4 epochs per λ (4 models ≈ 40 s on 2 busy cores), 500 test
    images; full: 10 000 × 15, 1 000 test images."""
    return {"n_train": 2000, "epochs": 4, "n_test": 500} if ctx.quick else {"n_train": 10000, "epochs": 15, "n_test": 1000}


def regularized_classifier(ctx: RecipeContext, lam: float, n_train: int, epochs: int) -> nn.Module:
    """convnet-small (5×5 first layer, BatchNorm) on a balanced CIFAR-10 subset, trained as the shared classifiers
    (SGD Nesterov 0.9, cosine schedule, weight decay, crop/flip, batch 128) plus ``lam``·R(first-layer W); cached by
    config. Returns a model on ``ctx.device`` taking images in [0, 1], (N, 3, 32, 32) → logits (N, 10)."""
    return trained_classifier(ctx, "cifar10", "convnet-small", "natural", n_train=n_train, epochs=epochs,
                              arch_kwargs={"first_kernel_size": 5},
                              regularizer=SmoothnessRegularizer(lam) if lam > 0 else None,
                              tag=f"smoothreg-first-conv-4neighbour-lambda{lam:g}")


@recipe("kernel-regularizer", paper="freqlens proposal after Wang et al. 2020 (companion 'Smooth Kernels Improve Adversarial "
                                    "Robustness', formula not available) — not a paper result", data="cifar10",
        finding="PROPOSAL: an adjacent-weight smoothness penalty λ·R(W) on the first conv layer lowers the trained "
                "first-layer roughness for every λ > 0 vs λ = 0, non-increasing in λ ∈ {1e-3, 1e-2, 1e-1}",
        paper_value="none (our proposal; the companion paper's numbers are not available)")
def kernel_regularizer(ctx: RecipeContext) -> RecipeOutput:
    s = sizes(ctx)
    _, _, xte, yte = image_data(ctx, "cifar10", 0, s["n_test"])
    rough, clean, fgsm, weights = [], [], [], {}
    for lam in LAMBDAS:
        model = regularized_classifier(ctx, lam, s["n_train"], s["epochs"])
        w = first_conv(model).weight.detach()
        weights[lam] = w
        rough.append(conv_kernel_roughness(w))
        clean.append(accuracy(model, xte, yte))
        xa = fgsm_attack(model, xte, yte, eps=FGSM_EPS, max_batch=250, predict=False).adversarial
        fgsm.append(accuracy(model, xa, yte))
    drop_vs_zero = max(r - rough[0] for r in rough[1:])  # < 0: every λ > 0 smoother than λ = 0
    rises = max(b - a for a, b in zip(rough, rough[1:]))  # ≤ 0: non-increasing in λ

    import matplotlib.pyplot as plt

    from freqlens.plot.conv_kernels import plot_conv_kernel_mosaic

    fig = plt.figure(figsize=(10, 7.5), constrained_layout=True)
    grid = fig.add_gridspec(3, 2, height_ratios=[1.3, 1, 1])
    ax_r, ax_a = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    pos = np.arange(len(LAMBDAS))
    labels = ["0"] + [f"1e{int(round(math.log10(v)))}" for v in LAMBDAS[1:]]
    ax_r.plot(pos, rough, "o-", label="trained first layer")
    ax_r.axhline(80 / 25, ls="--", c="grey", label="i.i.d. Gaussian 5×5 (3.2)")
    ax_r.set(xticks=pos, xticklabels=labels, xlabel="λ (penalty weight)", ylabel="roughness (lower = smoother)",
             title="First-layer 5×5 kernel roughness vs λ")
    ax_r.set_ylim(0, None)
    ax_r.legend(fontsize=8)
    ax_a.plot(pos, clean, "o-", label="clean")
    ax_a.plot(pos, fgsm, "s--", label=f"FGSM ε = {FGSM_EPS * 255:.0f}/255")
    ax_a.set(xticks=pos, xticklabels=labels, xlabel="λ (penalty weight)", ylabel=f"accuracy ({s['n_test']} test images)",
             title="Accuracy vs λ")
    ax_a.set_ylim(0, 1)
    ax_a.legend(fontsize=8)
    for row, lam in ((1, LAMBDAS[0]), (2, LAMBDAS[-1])):
        ax = fig.add_subplot(grid[row, :])
        plot_conv_kernel_mosaic(weights[lam], ax, title=f"first-layer kernels, λ = {lam:g} (roughness "
                                                   f"{rough[LAMBDAS.index(lam)]:.2f}; each cell min–max scaled)")
    fig.suptitle(f"PROPOSAL (after Wang et al. 2020), not a paper result: smoothness penalty on the first conv layer, CIFAR-10 "
                 f"convnet-small, {s['n_train']} images × {s['epochs']} epochs per λ", fontsize=10)
    numbers = {"lambdas": list(LAMBDAS), "roughness": rough, "clean_accuracy": clean,
               "fgsm_accuracy": fgsm, "fgsm_eps": FGSM_EPS,
               "fgsm": "fixed-ε FGSM: one sign-gradient step of size ε, no random start (freqlens.attacks.fgsm)",
               "model": "convnet-small (BatchNorm, first conv 5×5, 16 filters), SGD, crop/flip; penalty "
                        "λ·Σ(4-adjacent squared differences) of the first conv layer", **s}
    checks = [
        Check.less("max over λ > 0 of roughness(λ) − roughness(0)", drop_vs_zero, 0, "HFC-R1 (proposal)"),
        Check.less_equal("largest rise of roughness between consecutive λ", rises, 0, "HFC-R1 (proposal)"),
    ]
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig,
                        notes="Our proposal, not a result of the HFC paper. With BatchNorm after the "
                              "first conv the penalty can also shrink the whole kernel without changing the function; "
                              "roughness is scale-free, so it measures the shape only.")
