"""When the F-Principle holds and when it is reversed (E, Ma, Wu style example after arXiv 1912.12777; the kernel
is freqlens's construction), on a trained model: a random-feature model on the circle whose tangent-kernel spectrum
is k² e^{−h²k²/2} (rising below k* = √2/h, falling above) is trained by gradient descent, and the convergence order
of its residual's modes is measured. The null is the same model with Gaussian features, whose spectrum falls for
every k.

The eigenvalue formula of the periodic Mexican-hat kernel and the exactness of its kernel flow are identities;
they are unit tests (tests/theory), not gates."""
from __future__ import annotations

from freqlens.dynamics.random_features import train_random_features
from freqlens.recipes.base import Check, Deviation, RecipeContext, RecipeOutput, recipe


@recipe("kernel-fprinciple-regimes", paper="E, Ma, Wu 2019/2020 (kernel / random-feature view of the F-Principle)",
        finding="a random-feature model with derivative-of-Gaussian features (kernel spectrum ∝ k²e^{−h²k²/2}), "
                "trained by gradient descent, converges higher modes first below k* = √2/h and lower modes first "
                "above it; with Gaussian features (falling spectrum) the reversal below k* is absent",
        paper_value="λ_k = (πh²k²/2)e^{−h²k²/2}: F-Principle for k ≥ 2/h (brief); exact peak at √2/h "
                    "(freqlens's derivation)")
def kernel_fprinciple_regimes(ctx: RecipeContext) -> RecipeOutput:
    """Recipe ``kernel-fprinciple-regimes``: a random-feature model with derivative-of-Gaussian features (kernel
    spectrum ∝ k²e^{−h²k²/2}), trained by gradient descent, converges higher modes first below k* = √2/h and lower
    modes first above it; with Gaussian features (falling spectrum) the reversal below k* is absent.

    Trains random-feature models on the circle by gradient descent: derivative-of-Gaussian features (kernel spectrum
    ∝ k²e^{−h²k²/2}, rising then falling) and Gaussian features (falling spectrum), and measures the convergence
    time of each target mode.

    Args:
        ctx: the :class:`~freqlens.recipes.base.RecipeContext` (``quick``: the small CPU size; ``seed`` and
            ``device`` apply to every model).

    Returns:
        A :class:`~freqlens.recipes.base.RecipeOutput` with the numbers, the figure and the saved results. Headline
        check: with derivative-of-Gaussian features the measured order is reversed below k* = √2/h and follows the
        F-Principle above it. Control: the Gaussian features, whose spectrum falls for every k.

    Raises:
        Nothing of its own (the data are generated in memory).

    Source:
        E, Ma and Wu 2019/2020 (kernel and random-feature view of the F-Principle).

    Example:
        >>> from freqlens.recipes import get_recipe
        >>> r = get_recipe("kernel-fprinciple-regimes")
        >>> r.run is kernel_fprinciple_regimes, r.data
        (True, 'embedded')
    """
    from freqlens.plot.random_features import plot_kernel_regimes

    if ctx.quick:
        configs = [(128, 0.5, [1, 2, 3, 5, 8])]
        n_features = 2000
    else:
        configs = [(256, 0.2, [1, 2, 4, 7, 10, 14, 18]), (256, 0.5, [1, 2, 3, 5, 8])]
        n_features = 8000
    checks, controls, numbers, results = [], [], {}, {}
    for n, h, modes in configs:
        trained = train_random_features(modes, h, n=n, n_features=n_features, feature="dgauss", seed=ctx.seed)
        null = train_random_features(modes, h, n=n, n_features=n_features, feature="gauss", seed=ctx.seed,
                                     steps=int(trained.steps[-1]))
        o, on = trained.regime_orders(), null.regime_orders()
        tag = f"h={h:g}"
        both = Check.greater_equal(f"{tag}: measured order reversed below k* and F-Principle above (1 = yes)",
                                   float(o["reversed_below"] and o["fprinciple_above"]), 1.0,
                                   f"times {trained.times.tolist()} for modes {modes}, k* = {trained.peak:.2f}")
        checks.append(both)
        controls.append(both.control(f"{tag}: Gaussian features (spectrum falls for every k)",
                                     float(on["reversed_below"] and on["fprinciple_above"]),
                                     f"times {null.times.tolist()} (inf = not within the same steps)"))
        numbers[tag] = {"N": n, "k_star": trained.peak, "modes": modes, "features": n_features,
                        "steps": int(trained.steps[-1]), "lr": trained.lr,
                        "times_trained": trained.times.tolist(), "times_null": null.times.tolist(),
                        "tangent_kernel_eigenvalues": trained.kernel_eigenvalues.tolist(),
                        "null_kernel_eigenvalues": null.kernel_eigenvalues.tolist(),
                        "orders_trained": o, "orders_null": on}
        results[f"random_features_{tag}"] = trained
        results[f"null_{tag}"] = null
    deviations = [Deviation("model", "kernel gradient flow on the periodic Mexican-hat kernel",
                            "a trained random-feature model whose tangent kernel has that spectrum's shape",
                            "the flow on a kernel built to have the eigenvalues it checks is an identity (kept as a "
                            "unit test); the trained model can fail", "before")]
    last = configs[-1][1]
    fig, _ = plot_kernel_regimes([results[f"random_features_h={h:g}"] for _n, h, _ in configs],
                                 results[f"null_h={last:g}"])
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig, results=results, controls=controls,
                        deviations=deviations,
                        notes="Full-batch gradient descent on the output weights, lr = 0.2/λ_max of the model's "
                              "tangent kernel; times = first step with |r̂_k|/|r̂_k(0)| < e⁻¹.")
