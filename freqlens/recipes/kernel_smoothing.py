"""Wang et al. (CVPR 2020) §6.3 / Table 2 scaled down (check HFC-K2): smoothing the first-layer kernels
(Eq. 3) lowers clean accuracy and raises robustness to FGSM at large ε.

Our shared models have BatchNorm after the first conv; Eq. 3 multiplies the first layer's DC gain by 1 + 8ρ, which
stale BN running statistics would turn into a clean-accuracy drop of their own. Every evaluated model (ρ = 0
included) therefore has its BN statistics re-estimated on 1 000 training images, and a "scale only" null (first
layer × (1 + 8ρ), no change of shape) is measured with the same checks. The monotonicity check's null is the same
clean accuracies read in reverse ρ order (a permutation): it passes only when the accuracies are flat within the
tolerance, when the check would not tell a decrease from no change."""
from __future__ import annotations

from freqlens.inference import accuracy
from freqlens.interventions.batchnorm import recalibrate_batchnorm
from freqlens.interventions.conv_kernels import conv_kernel_roughness, first_conv, smooth_conv_kernels
from freqlens.probes.kernel_robustness import fgsm_sweep_accuracy, pgd_correct, scale_first_conv
from freqlens.recipes._trained import image_data, shared_classifier
from freqlens.recipes.base import Check, Deviation, RecipeContext, RecipeOutput, recipe
from freqlens.recipes.hfc import PAPER

RHOS = (0.0, 0.1, 0.25, 0.5, 1.0)

__all__ = ["RHOS", "fgsm_sweep_accuracy", "kernel_smoothing"]


def _evaluate(model, xte, yte, eps_grid, pgd_steps, seed, with_pgd):
    clean = accuracy(model, xte, yte)
    fgsm, zero = fgsm_sweep_accuracy(model, xte, yte, eps_grid)
    entry = {"clean": clean, "fgsm_min_eps": dict(zip(map(str, sorted(eps_grid)), fgsm)), "zero_gradient": zero,
             "roughness": conv_kernel_roughness(first_conv(model).weight)}
    if with_pgd:
        entry["pgd_ce_0.03"] = float(pgd_correct(model, xte, yte, 0.03, pgd_steps, seed=seed).float().mean())
        entry["pgd_margin_0.03"] = float(pgd_correct(model, xte, yte, 0.03, pgd_steps, True, seed).float().mean())
    return entry


@recipe("kernel-smoothing", paper=PAPER, data="cifar10",
        finding="smoothing first-layer kernels (Eq. 3, ρ up to 1) lowers clean accuracy by > 5 points, non-increasing "
                "in ρ, and raises minimal-ε FGSM accuracy at the two largest ε (HFC-K2, Table 2)",
        paper_value="Table 2 (numbers not available): clean accuracy plunges with ρ, robustness rises at large ε")
def kernel_smoothing(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``kernel-smoothing``: smoothing first-layer kernels (Eq. 3, ρ up to 1) lowers clean accuracy by > 5
    points, non-increasing in ρ, and raises minimal-ε FGSM accuracy at the two largest ε (HFC-K2, Table 2).

    Smooths the first-layer kernels of the natural and the adversarially trained shared classifiers (Eq. 3, ρ from 0
    to 1) and measures clean accuracy and minimal-ε FGSM/PGD accuracy (300 (quick) or 1000 test images).

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model; ``data_root`` holds CIFAR-10 (shared models are trained once and cached
            under ``ctx.cache_dir``)).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Checks:
        clean(ρ = 1) < clean(ρ = 0) − 0.05, clean accuracy non-increasing in ρ, and higher FGSM accuracy at the two
        largest ε. Controls: the first layer scaled by 9 without smoothing (same DC gain) for the clean drop and the
        FGSM gain; the same clean accuracies in reverse ρ order for the monotonicity check (it fails unless the
        accuracies are flat within the tolerance, so a pass means they fall with ρ).

    Raises:
        DataError: the CIFAR-10 files are not under ``ctx.data_root`` (or FREQLENS_DATA).

    Source:
        Wang et al. 2020 (CVPR), Eq. 3 and Table 2.

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("kernel-smoothing")
        >>> r.run is kernel_smoothing, r.data
        (True, 'cifar10')
    """
    n_test = 300 if ctx.quick else 1000
    eps_grid = (0.005, 0.01, 0.02, 0.03, 0.06, 0.09) if ctx.quick else (0.01, 0.02, 0.03, 0.06, 0.09, 0.12, 0.15)
    pgd_steps = 5 if ctx.quick else 20
    models = {"natural": shared_classifier(ctx), "adversarial": shared_classifier(ctx, "adversarial")}
    xtr, _, xte, yte = image_data(ctx, "cifar10", 1000, n_test, ctx.seed)
    table, rows = {}, []
    for mname, model in models.items():
        for rho in RHOS:
            m = recalibrate_batchnorm(smooth_conv_kernels(model, rho) if rho > 0 else model, xtr)
            entry = _evaluate(m, xte, yte, eps_grid, pgd_steps, ctx.seed, rho in (0.0, 1.0))
            if rho == 1.0:
                entry["clean_stale_bn_statistics"] = accuracy(smooth_conv_kernels(model, rho), xte, yte)
            table[f"{mname} ρ={rho:g}"] = entry
            rows.append((f"{mname} ρ={rho:g}", [entry["clean"]] + list(entry["fgsm_min_eps"].values())))
    # the null: the same DC gain as ρ = 1 (× 9) without smoothing, BN re-estimated the same way
    null = _evaluate(recalibrate_batchnorm(scale_first_conv(models["natural"], 9.0), xtr), xte, yte, eps_grid,
                     pgd_steps, ctx.seed, False)
    table["natural ×9 (scale only)"] = null
    nat = [table[f"natural ρ={r:g}"] for r in RHOS]
    cleans = [e["clean"] for e in nat]
    top = [str(e) for e in sorted(eps_grid)[-2:]]

    def fgsm_gain(entry):
        return min(entry["fgsm_min_eps"][e] - nat[0]["fgsm_min_eps"][e] for e in top)

    from freqlens.plot.conv_kernel_tables import plot_accuracy_table
    from freqlens.plot.conv_kernels import plot_conv_kernel_grid
    from freqlens.plot.style import save_figure

    fig, _ = plot_accuracy_table(rows, ["clean"] + [f"FGSM ε={e:g}" for e in sorted(eps_grid)],
                                 f"Kernel smoothing (Eq. 3, first conv, BN re-estimated): accuracy under minimal-ε "
                                 f"FGSM, {n_test} test images")
    kfig, _ = plot_conv_kernel_grid({"natural": first_conv(models["natural"]).weight,
                                "adversarial": first_conv(models["adversarial"]).weight,
                                "natural ρ=1": first_conv(smooth_conv_kernels(models["natural"], 1.0)).weight},
                               title="First-layer 3×3 kernels: natural vs adversarial vs smoothed "
                                     "(each cell min–max scaled)")
    save_figure(kfig, ctx.out_dir / "kernels.png")
    numbers = {"table": table, "eps_grid": sorted(eps_grid), "rhos": list(RHOS), "n_test": n_test,
               "fgsm_at_two_largest_eps": {k: [table[k]["fgsm_min_eps"][e] for e in top]
                                           for k in ("natural ρ=0", "natural ρ=1", "natural ×9 (scale only)")},
               "roughness": {k: table[f"{k} ρ=0"]["roughness"] for k in models},
               "roughness_after_rho1": {k: table[f"{k} ρ=1"]["roughness"] for k in models},
               "attacks": "FGSM: minimal-ε sweep on the ε grid (Foolbox-style); PGD: fixed ε = 0.03, random start, CE "
                          "and margin loss, ρ ∈ {0, 1} only (reported)"}
    def non_increasing(values):
        return float(all(b <= a + 0.01 for a, b in zip(values, values[1:])))

    checks = [
        Check.less("clean(ρ=1) − (clean(ρ=0) − 0.05), natural", cleans[-1] - (cleans[0] - 0.05), 0, "HFC-K2"),
        Check.greater_equal("clean accuracy non-increasing in ρ (tol 0.01), natural", non_increasing(cleans), 1,
                            "HFC-K2"),
        Check.greater("min over the two largest ε of FGSM acc(ρ=1) − acc(ρ=0), natural", fgsm_gain(nat[-1]), 0,
                      "HFC-K2 / Table 2: robustness rises"),
    ]
    controls = [checks[0].control("first layer × 9 without smoothing (same DC gain)",
                                  null["clean"] - (cleans[0] - 0.05)),
                checks[1].control("the same clean accuracies in reverse ρ order (1 → 0: un-smoothing)",
                                  non_increasing(cleans[::-1]), f"clean accuracies for ρ = {list(RHOS)}: "
                                  f"{[round(c, 4) for c in cleans]}"),
                checks[2].control("first layer × 9 without smoothing (same DC gain)", fgsm_gain(null))]
    deviations = [
        Deviation("robustness check", "FGSM acc(ρ=1) ≥ acc(ρ=0) at the two largest ε (A9 HFC-K2)",
                  "strictly greater (>)", "the paper's claim is that robustness rises; ≥ passes at equality, e.g. "
                  "two accuracies at 0 (issue 14)", "after"),
        Deviation("BatchNorm", "the paper's network has no BN", "BN statistics re-estimated on 1 000 training "
                  "images after smoothing, for every ρ", "stale BN statistics force a clean drop of their own "
                  "(issue 14)", "after"),
        Deviation("models", "ResNet, natural and PGD-10 adversarial (A4.7)", "the shared CIFAR-10 classifiers "
                  "(adversarial: FGSM with random start, A8)", "CPU budget"),
    ]
    if ctx.quick:
        deviations.append(Deviation("test images", "500 scaled-down (A6)", f"{n_test}", "CPU budget"))
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig, controls=controls, deviations=deviations,
                        notes="Kernel pictures in kernels.png; 3×3 roughness reported (HFC-K3 is checked on 5×5 "
                              "kernels by kernel-roughness-5x5). clean_stale_bn_statistics: ρ = 1 without "
                              "re-estimating BN. zero_gradient: fraction of images with an all-zero input gradient "
                              "(saturation).")
