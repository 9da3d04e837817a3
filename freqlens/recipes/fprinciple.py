"""F-Principle recipes (Xu et al.): 1-D targets, MNIST-1D, MNIST, CIFAR-10, initialisation scale, Jacobi vs
network on the Poisson problem, and the tanh gradient theorem. Settings follow
Xu et al. 2019 (arXiv 1901.06523, 1807.01251) and Luo, Ma, Xu & Zhang 2019 (arXiv 1906.09235); quick sizes are
the papers' where they give them."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from freqlens.data import load_mnist1d, sinusoid_target_1d
from freqlens.dynamics.fprinciple import FilteringTracker, ProjectionTracker, choose_delta
from freqlens.models import MLP, SmallCNN
from freqlens.plot.fprinciple import plot_filtering_curves, plot_fprinciple_1d, plot_projection_heatmap
from freqlens.recipes._trained import image_data
from freqlens.recipes.base import Check, RecipeContext, RecipeOutput, recipe
from freqlens.theory import gradients, poisson
from freqlens.train import Callback, TrainState, fit

PAPER_FP = "Xu, Zhang, Xiao, Luo, Ma: Frequency Principle (arXiv 1901.06523 / 1807.01251)"


class StopWhenConverged(Callback):
    """Ends training once every peak of a ProjectionTracker has Δ_F below ``threshold``."""

    def __init__(self, tracker: ProjectionTracker, threshold: float = 0.1, patience: int = 3):
        self.tracker, self.threshold, self.patience = tracker, threshold, patience

    def on_epoch_end(self, state: TrainState) -> None:
        hist = self.tracker.history[-self.patience:]
        if len(hist) == self.patience and all(bool((h < self.threshold).all()) for h in hist):
            state.stop_training = True


def _dft_freqs_1d(length: float, bins: int = 40) -> torch.Tensor:
    """DFT bins j = 0..bins−1 of a periodic grid of length L as ordinary frequencies j/L."""
    return torch.arange(bins, dtype=torch.float64) / length


def _run_1d(seed: int, width: int, depth: int, activation: str, steps: int, init_scale=None, every: int = 10,
            device=None, n: int = 200, stop: bool = True):
    data = sinusoid_target_1d(n, (1, 3, 5))
    torch.manual_seed(seed)
    model = MLP(1, 1, width=width, depth=depth, activation=activation, init_scale=init_scale)
    tracker = ProjectionTracker(data.x, data.y, direction=[1.0], freqs=_dft_freqs_1d(2 * math.pi), every=every,
                                store_outputs=True)
    callbacks = [tracker] + ([StopWhenConverged(tracker)] if stop else [])
    fit(model, (data.x, data.y), steps, lr=1e-3, callbacks=callbacks, seed=seed, progress=False, device=device)
    return data, model, tracker.result()


def _times(result, threshold=0.1, cap=None):
    t = result.converged_epochs(threshold)
    return [cap if v is None else v for v in t]


@recipe("fprinciple-1d", paper=PAPER_FP,
        finding="on y = sin x + sin 3x + sin 5x a tanh/ReLU network fits frequency 1 before 3 before 5",
        paper_value="Fig. 1: Δ_F at the DFT peaks turns small from the lowest peak up")
def fprinciple_1d(ctx: RecipeContext) -> RecipeOutput:
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
    checks.append(Check.greater_equal("runs with t1 < t3 < t5", ordered, len(runs),
                                      "converged time: first record with Δ_F < 0.1"))
    if not ctx.quick:
        spaced = sum(r["t5"] >= 2 * r["t3"] and r["t3"] >= 2 * r["t1"] for r in runs.values())
        checks.append(Check.greater_equal("runs with t5 ≥ 2·t3 and t3 ≥ 2·t1", spaced, len(runs)))
    data, res, act, seed = last
    fig, _ = plot_fprinciple_1d(res, data.x, data.y,
                                title=f"F-Principle, 1-D target sin x + sin 3x + sin 5x "
                                      f"({act}, 1-{width}-{width}-1, seed {seed})")
    return RecipeOutput(numbers={"converged_steps": runs, "threshold": 0.1, "width": width, "max_steps": steps},
                        checks=checks, figure=fig, results={"projection": res})


def _filtering_projection_recipe(ctx, x, y, model, fit_kwargs, paper_delta, title, output_transform=None,
                                 every=1, dataset_note=""):
    auto = round(choose_delta(x, y, seed=ctx.seed), 4)
    if abs(auto / paper_delta - 1) < 0.25:  # the paper's δ already splits the labels well: use it alone
        auto = float(paper_delta)
    deltas = sorted({float(paper_delta), auto})
    filt = FilteringTracker(x, y, deltas, every=every, output_transform=output_transform)
    proj = ProjectionTracker(x, y, every=every, output_transform=output_transform, min_relative_height=0.05)
    fit(model, (x, y), callbacks=[filt, proj], seed=ctx.seed, progress=ctx.progress, device=ctx.device, **fit_kwargs)
    fr, pr = filt.result(), proj.result()
    i = deltas.index(auto)
    e_low, e_high = np.asarray(fr.e_low)[:, i], np.asarray(fr.e_high)[:, i]
    half = max(2, len(e_low) // 2)
    gap = float(np.mean(e_high[1:half] - e_low[1:half]))
    drop_low = float(1 - e_low[-1] / e_low[0])
    drop_high = float(1 - e_high[-1] / e_high[0])
    checks = [
        Check.greater("mean(e_high − e_low) over the first half of training", gap, 0.1,
                      f"δ = {auto:.4g} (high-frequency fraction {fr.high_fraction[i]:.2f})"),
        Check.greater("relative drop of e_low − relative drop of e_high", drop_low - drop_high, 0.0),
    ]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.3), constrained_layout=True)
    plot_filtering_curves(fr, ax=axes[0])
    plot_projection_heatmap(pr, ax=axes[1], unit="κ (cycles per unit along PC1)")
    axes[1].set_title("Projection method: Δ_F at label-spectrum peaks")
    fig.suptitle(title)
    numbers = {"deltas": deltas, "auto_delta": auto, "paper_delta": paper_delta, "high_fraction": fr.high_fraction,
               "e_low_final": np.asarray(fr.e_low)[-1].tolist(), "e_high_final": np.asarray(fr.e_high)[-1].tolist(),
               "gap_first_half": gap, "projection_peaks": pr.peak_freqs,
               "projection_converged_epoch_0.2": pr.converged_epochs(0.2), "note": dataset_note}
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig, results={"filtering": fr, "projection": pr})


@recipe("fprinciple-mnist1d", paper=PAPER_FP,
        finding="on MNIST-1D the low-frequency part of the labels (filtering method) is fitted before the high part",
        paper_value="Fig. 3/4 (MNIST, CIFAR-10): e_low decays markedly before e_high")
def fprinciple_mnist1d(ctx: RecipeContext) -> RecipeOutput:
    n, epochs = (1000, 30) if ctx.quick else (4000, 60)
    xtr, ytr, _, _ = load_mnist1d(seed=ctx.seed)
    x, y = xtr[:n], ytr[:n]
    torch.manual_seed(ctx.seed)
    model = MLP(40, 10, widths=[200, 100], activation="tanh")
    return _filtering_projection_recipe(
        ctx, x, y, model, {"epochs": epochs, "batch_size": 100, "lr": 1e-3}, paper_delta=3.0,
        title=f"F-Principle on MNIST-1D ({n} samples, tanh 40-200-100-10, MSE)",
        dataset_note="MNIST-1D generated in memory by mnist1d")


@recipe("fprinciple-mnist", paper=PAPER_FP, data="mnist",
        finding="a tanh 784-400-200-10 network fits the low-frequency part of MNIST labels first",
        paper_value="Fig. 3 (MNIST, δ = 3): e_low converges before e_high")
def fprinciple_mnist(ctx: RecipeContext) -> RecipeOutput:
    n, epochs = (2000, 10) if ctx.quick else (5000, 50)
    x, y, _, _ = image_data(ctx, "mnist", n, 0, ctx.seed)
    torch.manual_seed(ctx.seed)
    model = MLP(784, 10, widths=[400, 200], activation="tanh")
    return _filtering_projection_recipe(
        ctx, x.flatten(1), y, model, {"epochs": epochs, "batch_size": 128, "lr": 1e-4}, paper_delta=3.0,
        title=f"F-Principle on MNIST ({n} images, tanh 784-400-200-10, MSE, Adam 1e-4)")


@recipe("fprinciple-cifar10", paper=PAPER_FP, data="cifar10",
        finding="a CNN fits the low-frequency part of CIFAR-10 labels first (filtering method)",
        paper_value="Fig. 4 (CIFAR-10, δ = 7): e_low converges before e_high")
def fprinciple_cifar10(ctx: RecipeContext) -> RecipeOutput:
    n, epochs = (1000, 15) if ctx.quick else (5000, 40)
    x, y, _, _ = image_data(ctx, "cifar10", n, 0, ctx.seed)
    torch.manual_seed(ctx.seed)
    model = SmallCNN(3, 10, 32)
    fit_kwargs = {"epochs": epochs, "batch_size": 50, "loss": "cross_entropy",
                  "optimizer": lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9, nesterov=True)}
    return _filtering_projection_recipe(
        ctx, x, y, model, fit_kwargs, paper_delta=7.0, output_transform="softmax",
        title=f"F-Principle on CIFAR-10 ({n} images, CNN of the official code, softmax outputs vs one-hot labels)")


@recipe("fprinciple-init-scale", paper="Xu et al.; Zhang et al. 'small initialization' (arXiv 1808.04295)",
        finding="with small initial weights low frequencies converge far earlier than high ones; large ones lose the order",
        paper_value="arXiv 1808.04295: small init keeps the order; calibrated t5/t1 ≥ 10 at σ = 0.05, ≤ 3 at σ = 1, 2")
def fprinciple_init_scale(ctx: RecipeContext) -> RecipeOutput:
    sigmas = [0.05, 1.0] if ctx.quick else [0.05, 0.5, 1.0, 2.0, 4.0]
    seeds = [ctx.seed] if ctx.quick else [ctx.seed, ctx.seed + 1]
    steps = 6000
    ratios, times, results = {}, {}, {}
    for sigma in sigmas:
        rs = []
        for seed in seeds:
            data, model, res = _run_1d(seed, 200, 2, "tanh", steps, init_scale=sigma, device=ctx.device)
            t1, t3, t5 = _times(res, cap=steps + 1)
            times[f"sigma={sigma},seed={seed}"] = [t1, t3, t5]
            rs.append(t5 / max(t1, 1))
            results[sigma] = (model, res)
        ratios[sigma] = float(np.mean(rs))
    small_thr = 5.0 if ctx.quick else 10.0
    checks = [Check.greater_equal("t5/t1 at σ = 0.05", ratios[0.05], small_thr),
              Check.less_equal("t5/t1 at σ = 1", ratios[1.0], 3.0)]
    if not ctx.quick:
        checks.append(Check.less_equal("t5/t1 at σ = 2", ratios[2.0], 3.0))
    fig, axes = plt.subplots(2, len(sigmas), figsize=(4.2 * len(sigmas), 7), constrained_layout=True, squeeze=False)
    dense = torch.linspace(-math.pi, math.pi, 800)[:, None]
    data = sinusoid_target_1d(200)
    for j, sigma in enumerate(sigmas):
        model, res = results[sigma]
        plot_projection_heatmap(res, ax=axes[0, j], unit="(cycles per unit x)", xlabel="training step (full batch)")
        axes[0, j].set_title(f"Δ_F, init std σ = {sigma}")
        with torch.no_grad():
            out = model.cpu()(dense).squeeze(1)
        axes[1, j].plot(dense.squeeze(1), out, "r", lw=1, label="network (dense grid)")
        axes[1, j].plot(data.x.squeeze(1), data.y.squeeze(1), "k.", ms=3, label="training points")
        axes[1, j].set_xlabel("x")
        axes[1, j].set_ylabel("y")
        axes[1, j].set_title(f"output at the end, σ = {sigma}")
        axes[1, j].legend(fontsize=7)
    fig.suptitle("Initialisation scale and the F-Principle (tanh 1-200-200-1, all weights N(0, σ²))")
    return RecipeOutput(numbers={"t5_over_t1": {str(k): v for k, v in ratios.items()}, "times": times},
                        checks=checks, figure=fig)


class _ModeErrorTracker(Callback):
    def __init__(self, grid_inputs, u_ref, modes, basis, every):
        self.x, self.u_ref, self.modes, self.basis, self.every = grid_inputs, u_ref, modes, basis, every
        self.steps: list[int] = []
        self.errors: list[list[float]] = []

    def record(self, model, step):
        with torch.no_grad():
            h = model(self.x.to(next(model.parameters()).device)).double().cpu().squeeze(1)[1:-1]
        self.steps.append(step)
        self.errors.append(poisson.mode_errors(h, self.u_ref, self.modes, self.basis).tolist())

    def on_train_begin(self, state):
        if not self.steps:
            self.record(state.model, 0)

    def on_epoch_end(self, state):
        if state.epoch % self.every == 0:
            self.record(state.model, state.epoch)


def ritz_loss(g: torch.Tensor, dx: float, beta: float = 100.0):
    """Discrete Ritz energy Σ (½|D⁺h|² − g h) Δx + β (h(−1)² + h(1)²) for outputs on the full grid (n + 1, 1)."""
    def loss(out, _target):
        h = out.squeeze(1)
        dplus = (h[1:] - h[:-1]) / dx
        interior = h[1:-1]
        return (0.5 * (dplus ** 2).sum() - (g.to(h) * interior).sum()) * dx + beta * (h[0] ** 2 + h[-1] ** 2)
    return loss


@recipe("fprinciple-jacobi", paper=PAPER_FP,
        finding="Jacobi iteration on −u'' = g converges high frequencies first; a network converges low first",
        paper_value="Fig. 6: the DNN and Jacobi converge in opposite frequency orders")
def fprinciple_jacobi(ctx: RecipeContext) -> RecipeOutput:
    n = 100
    modes = [2, 16]
    x = poisson.poisson_grid(n)
    g = poisson.default_source(x)
    a = poisson.poisson_matrix(n)
    u_ref = torch.linalg.solve(a, g)
    basis = poisson.sine_modes(n)
    jac_steps = list(range(0, 2001, 10))
    _, snaps = poisson.jacobi_poisson_1d(g, n, max(jac_steps), record=jac_steps)
    jac_err = np.array([poisson.mode_errors(snaps[t], u_ref, modes, basis).numpy() for t in jac_steps])
    # Jacobi mode law: e_j(t) = cos(jπ/n)^t e_j(0)
    e0 = basis @ (torch.zeros_like(u_ref) - u_ref)
    decay = torch.cos(math.pi * torch.arange(1, n, dtype=torch.float64) / n)
    law = max(float(((basis @ (snaps[t] - u_ref)) - decay ** t * e0).abs().max() / e0.abs().max())
              for t in (10, 100, 1000))
    jac_order = bool(np.all(jac_err[1:, 1] < jac_err[1:, 0]))
    # network with the Ritz loss
    width, depth, steps = (100, 1, 2000) if ctx.quick else (200, 2, 5000)
    full = torch.linspace(-1, 1, n + 1, dtype=torch.float64).float()[:, None]
    torch.manual_seed(ctx.seed)
    model = MLP(1, 1, width=width, depth=depth, activation="tanh")
    tracker = _ModeErrorTracker(full, u_ref, modes, basis, every=10)
    fit(model, (full, torch.zeros(n + 1, 1)), steps, lr=1e-3, loss=ritz_loss(g.float(), 2.0 / n), callbacks=[tracker],
        seed=ctx.seed, progress=ctx.progress, device=ctx.device)
    net_err = np.array(tracker.errors)
    at = tracker.steps.index(500)
    checks = [Check.less("Jacobi mode-law deviation", law, 1e-10),
              Check.greater_equal("Jacobi: E_16 < E_2 at every t ≥ 10 (1 = yes)", float(jac_order), 1.0),
              Check.less("network: E_2 − E_16 at step 500", float(net_err[at, 0] - net_err[at, 1]), 0.0)]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True)
    for k, (mode, c) in enumerate(zip(modes, ("tab:blue", "tab:red"))):
        axes[0].semilogy(jac_steps, jac_err[:, k], color=c, label=f"mode j = {mode}")
        axes[1].semilogy(tracker.steps, net_err[:, k], color=c, label=f"mode j = {mode}")
    axes[0].set_title("Jacobi iteration: high mode converges first")
    axes[1].set_title("tanh network, Ritz loss: low mode converges first")
    for ax, xl in zip(axes, ("Jacobi iteration", "training step (Adam)")):
        ax.set_xlabel(xl)
        ax.set_ylabel("relative error E_j in sine mode j")
        ax.legend()
    fig.suptitle("−u'' = sin x + 4 sin 4x − 8 sin 8x + 16 sin 24x on (−1, 1), n = 100")
    return RecipeOutput(numbers={"mode_law_deviation": law, "modes": modes,
                                 "jacobi_errors_at_100": jac_err[jac_steps.index(100)].tolist(),
                                 "network_errors_at_500": net_err[at].tolist(),
                                 "network_errors_final": net_err[-1].tolist()},
                        checks=checks, figure=fig)


@recipe("fprinciple-theorem", paper="Xu, Zhang, Xiao: Training behavior of DNNs in the frequency domain (ICONIP 2019)",
        finding="for small tanh-network weights the low-frequency loss dominates every parameter gradient",
        paper_value="arXiv 1901.06523 tanh theorem; calibrated P(δ=0.5) = 1.000, P(δ=8) = 0.286 for (k1, k2) = (1, 2)")
def fprinciple_theorem(ctx: RecipeContext) -> RecipeOutput:
    if ctx.quick:
        pairs, radii, samples = [(1, 3)], [4.0, 0.5], 500
    else:
        pairs, radii, samples = [(1, 2), (1, 3)], [16, 8, 4, 2, 1, 0.5, 0.25], 3000
    fractions = {f"{k1},{k2}": [gradients.low_frequency_dominance(k1, k2, r, samples=samples, seed=ctx.seed)
                                for r in radii] for k1, k2 in pairs}
    checks = []
    for key, ps in fractions.items():
        small = ps[radii.index(0.5)]
        checks.append(Check.greater_equal(f"P(δ = 0.5) for (k1, k2) = ({key})", small, 0.99))
        big = ps[0]
        checks.append(Check.less(f"P(δ = {radii[0]}) for ({key})", big, small))
        if not ctx.quick:
            mono = all(ps[i + 1] >= ps[i] - 0.03 for i in range(len(ps) - 1))
            checks.append(Check.greater_equal(f"P non-decreasing as δ shrinks ({key}), 1 = yes", float(mono), 1.0))
    slopes = {}
    for s in ((0.1, 0.2) if not ctx.quick else (0.1,)):
        measured, predicted = gradients.gradient_decay_slope(s, seed=ctx.seed)
        slopes[str(s)] = {"measured": measured, "predicted": predicted}
        checks.append(Check.less(f"|slope/predicted − 1| at init std {s}", abs(measured / predicted - 1), 0.10))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True)
    for key, ps in fractions.items():
        axes[0].semilogx(radii, ps, "o-", label=f"(k1, k2) = ({key})")
    axes[0].set_xlabel("radius δ of the parameter ball")
    axes[0].set_ylabel("fraction where |∂L(k1)/∂θ| > |∂L(k2)/∂θ| for all θ")
    axes[0].set_title("Low-frequency gradient dominance (m = 10 tanh neurons)")
    axes[0].legend()
    ks = np.arange(1, 11)
    gen = torch.Generator().manual_seed(ctx.seed)
    a, w, b = (torch.randn(1, 20, generator=gen, dtype=torch.float64) * 0.1 for _ in range(3))
    logs = [float(torch.logsumexp(2 * gradients.tanh_loss_gradients(float(k), a, w, b).flatten(), 0) / 2) for k in ks]
    axes[1].plot(ks, logs, "o-", label="log ‖∇θ L(k)‖ (init std 0.1)")
    pred = -math.pi / (2 * float(w.abs().max()))
    axes[1].plot(ks, logs[4] + pred * (ks - 5), "k--", label=f"slope −π/(2 max|w|) = {pred:.2f}")
    axes[1].set_xlabel("frequency k (radians per unit x)")
    axes[1].set_ylabel("log gradient norm")
    axes[1].set_title("Gradient of the frequency-k loss decays exponentially in k")
    axes[1].legend()
    return RecipeOutput(numbers={"radii": radii, "fractions": fractions, "samples": samples, "decay_slopes": slopes},
                        checks=checks, figure=fig)
