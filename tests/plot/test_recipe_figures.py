"""The recipe figures moved to freqlens.plot draw from tiny real results without error."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from freqlens.dynamics.spectral_bias import SpectralNormTracker, SpectrumTracker
from freqlens.models import MLP
from freqlens.plot.spectral_bias import (
    plot_binary_manifold,
    plot_manifold_learning,
    plot_noise_curves,
    plot_sinusoid_learning,
)
from freqlens.train import fit

pytestmark = pytest.mark.usefixtures("one_thread")


def _tiny_history():
    z = torch.arange(32, dtype=torch.float32) / 32
    y = torch.sin(2 * np.pi * 2 * z) + torch.sin(2 * np.pi * 5 * z)
    torch.manual_seed(0)
    net = MLP(1, 1, widths=[8, 8], activation="relu")
    spec, norms = SpectrumTracker(z[:, None], [2, 5], every=2), SpectralNormTracker(every=2)
    fit(net, (z[:, None], y[:, None]), 4, callbacks=[spec, norms], progress=False)
    return net, spec.result(), norms.result()


def test_spectral_bias_figures_draw():
    net, h, nh = _tiny_history()
    fig, _ = plot_sinusoid_learning({"equal": h, "increasing": h}, {"equal": nh}, 8, 4)
    fig2, _ = plot_manifold_learning([0, 4], {0: h, 4: h}, {0: 0.1, 4: 0.2}, 8)
    net2 = MLP(2, 1, widths=[8], activation="relu")
    pts = torch.randn(20, 2)
    fig3, _ = plot_binary_manifold(net2, pts, (pts[:, 0] > 0).float(), {20: [(0, 0.5), (10, 0.6)],
                                                                         0: [(0, 0.5), (10, 0.55)]}, 0.5, 3)
    curves = {n: {"k": 0.1, "kappa": 0.5, "val": np.full(5, 0.2), "train": np.full(50, 0.2)}
              for n in ("none", "low", "high", "low_cos")}
    fig4, _ = plot_noise_curves(curves)
    for f in (fig, fig2, fig3, fig4):
        plt.close(f)
