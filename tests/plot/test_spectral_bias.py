"""Spectral-bias figures (Rahaman et al. 2019): frequency × iteration maps, spectral norms, perturbation robustness and
the recipe panels; every figure's data is read back from its artists."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from freqlens.dynamics.spectral_bias import (
    PerturbationRobustness,
    SpectralNormHistory,
    SpectralNormTracker,
    SpectrumHistory,
    SpectrumTracker,
)
from freqlens.models import MLP
from freqlens.plot.spectral_bias import (
    plot_binary_manifold,
    plot_decay_slopes,
    plot_kernel_eigenbasis,
    plot_manifold_learning,
    plot_noise_curves,
    plot_perturbation_robustness,
    plot_sinusoid_learning,
    plot_spectral_norms,
    plot_spectrum_history,
)
from freqlens.train import fit

pytestmark = pytest.mark.usefixtures("one_thread")


def _history(label=""):
    return SpectrumHistory(steps=[0, 10, 20], frequencies=[5, 10], target_amplitudes=[1.0, 2.0],
                           magnitudes=np.array([[0.0, 0.0], [0.25, 0.5], [0.6, 1.5]]), label=label)


def test_spectrum_history_image_is_the_normalised_amplitude_clipped_to_0_1():
    h = _history(label="equal")
    fig, ax = plot_spectrum_history(h)
    im = ax.images[0]
    np.testing.assert_allclose(im.get_array(), [[0.0, 0.0], [0.5, 0.5], [1.2, 1.5]])   # 2|f̂|/A, drawn clipped
    assert im.get_clim() == (0.0, 1.0) and im.origin == "lower"
    assert list(im.get_extent()) == [-0.5, 1.5, -5.0, 25.0]            # iteration 0 at the bottom, 10 per row
    assert [t.get_text() for t in ax.get_xticklabels()] == ["5", "10"]
    assert ax.get_xlabel() == "frequency k (cycles per unit)" and ax.get_ylabel() == "training iteration"
    assert ax.get_title() == "Normalised amplitude 2|f̂(k)|/A_k over training (equal)"
    assert fig.axes[-1].get_ylabel() == "2|f̂(k)|/A_k (clipped at 1)"
    plt.close(fig)
    fig, ax = plot_spectrum_history(h, colorbar=False)
    assert len(fig.axes) == 1
    plt.close(fig)


def test_spectral_norms_one_log_curve_per_layer():
    h = SpectralNormHistory(steps=[0, 10], layers=["0.weight", "2.weight"], norms=np.array([[1.0, 2.0], [1.5, 3.0]]))
    fig, ax = plot_spectral_norms(h)
    for j, line in enumerate(ax.get_lines()):
        np.testing.assert_array_equal(line.get_xdata(), [0, 10])
        np.testing.assert_array_equal(line.get_ydata(), h.norms[:, j])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "2"]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "spectral norm σ_max(W)"
    plt.close(fig)


def test_perturbation_robustness_rows_are_deltas_columns_frequencies():
    ratio = np.array([[1.0, 1.0], [0.9, 0.4], [0.7, 0.1]])
    r = PerturbationRobustness(deltas=[0.0, 0.5, 1.0], frequencies=[5, 10], ratio=ratio, difference=np.zeros((3, 2)),
                               base_magnitudes=np.ones(2), n_directions=3, seed=0)
    fig, ax = plot_perturbation_robustness(r)
    np.testing.assert_array_equal(ax.images[0].get_array(), ratio)
    assert ax.images[0].get_clim() == (0.0, 1.0)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "0.5", "1"]
    assert ax.get_ylabel() == "perturbation norm δ = ‖Δθ‖₂" and "3 directions" in ax.get_title()
    assert fig.axes[-1].get_ylabel() == "mean |f̂_θ+δu(k)| / |f̂_θ(k)| (clipped at 1)"
    plt.close(fig)


def _tiny_history():
    z = torch.arange(32, dtype=torch.float32) / 32
    y = torch.sin(2 * np.pi * 2 * z) + torch.sin(2 * np.pi * 5 * z)
    torch.manual_seed(0)
    net = MLP(1, 1, widths=[8, 8], activation="relu")
    spec, norms = SpectrumTracker(z[:, None], [2, 5], every=2), SpectralNormTracker(every=2)
    fit(net, (z[:, None], y[:, None]), 4, callbacks=[spec, norms], progress=False)
    return spec.result(), norms.result()


def test_recipe_panels_from_real_tracked_histories():
    h, nh = _tiny_history()
    fig, axes = plot_sinusoid_learning({"equal": h, "increasing": h}, {"equal": nh}, 8, 4)
    np.testing.assert_allclose(axes[0].images[0].get_array(), h.normalized)
    assert len(axes[2].get_lines()) == len(nh.layers) and "6×8" in fig._suptitle.get_text()
    fig2, axes2 = plot_manifold_learning([0, 4], {0: h, 4: h}, {0: 0.1, 4: 0.2}, 8)
    assert len(axes2) == 3 and axes2[2].get_title() == "a_k(t) along γ_4, AUC_hi = 0.20"
    assert len(axes2[0].get_lines()) == 2                  # one flower curve per petal count
    assert [a.get_label() for a in fig2.axes].count("<colorbar>") == 1    # one colour bar, on the last map
    with pytest.raises(KeyError):
        plot_manifold_learning([0, 8], {0: h}, {0: 0.1}, 8)
    plt.close("all")


def test_binary_manifold_regions_and_accuracy_curves():
    torch.manual_seed(0)
    net = torch.nn.Linear(2, 1)
    pts = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    curves = {20: [(0, 0.5), (10, 0.9)], 0: [(0, 0.5), (10, 0.6)]}
    fig, axes = plot_binary_manifold(net, pts, [0, 1, 0], curves, majority=0.55, k=200)
    lines = axes[1].get_lines()
    np.testing.assert_array_equal(lines[0].get_ydata(), [0.5, 0.9])
    np.testing.assert_array_equal(lines[1].get_ydata(), [0.5, 0.6])
    assert lines[2].get_ydata()[0] == 0.55                 # the majority-class rate
    np.testing.assert_allclose(axes[0].collections[-1].get_offsets(), pts)
    assert fig.axes[-1].get_ylabel() == "|f(x)| (logit magnitude)" and "k = 200" in axes[0].get_title()
    plt.close(fig)


def test_decay_slopes_reference_line_band_and_points():
    k = np.arange(1, 65)
    coef = 1e-2 * k ** -2.0
    fig, axes = plot_decay_slopes({"relu": {"coefficients": coef}}, {"relu": [-2.0, -1.9], "tanh": [-3.5]})
    net, ref = axes[0].get_lines()[:2]
    np.testing.assert_allclose(net.get_ydata(), coef)
    np.testing.assert_allclose(ref.get_ydata(), 1e-3 * k ** -2.0)
    pts = [c.get_offsets()[:, 1].tolist() for c in axes[1].collections if len(c.get_offsets())]
    assert pts == [[-2.0, -1.9], [-3.5]]
    assert axes[1].get_lines()[0].get_ydata()[0] == -2                     # the theorem's −(d + 1)
    with pytest.raises(UnboundLocalError):
        plot_decay_slopes({}, {})
    plt.close("all")


def test_noise_curves_validation_every_10_iterations_and_training_every_one():
    c = {"none": {"val": [1.0, 0.5], "train": [1.0, 0.8, 0.6]},
         "low_cos": {"k": 2.0, "kappa": 1.0, "val": [1.0, 0.9], "train": [1.0, 0.7, 0.4]}}
    fig, ax = plot_noise_curves(c, dataset="digits")
    val, train = ax.get_lines()[:2]
    np.testing.assert_array_equal(val.get_xdata(), [10, 20])
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "validation, no noise" and labels[2] == "validation, κ = 1 (k = 2) cos, null"
    assert ax.get_yscale() == "log" and ax.get_title().startswith("digits 3 vs 8")
    plt.close(fig)


def test_kernel_eigenbasis_panels():
    xs = np.linspace(0, 1, 16)
    vecs = np.linalg.eigh(np.exp(-(xs[:, None] - xs[None]) ** 2 / 0.02))[1][:, ::-1]
    fig, axes = plot_kernel_eigenbasis(xs, vecs, list(range(16)), {"target": np.array([1.0, 0.5, 0.1])}, bin_size=20)
    assert len(axes[0].get_lines()) == 6
    np.testing.assert_allclose(axes[0].get_lines()[2].get_ydata(), vecs[:, 2])
    np.testing.assert_allclose(axes[1].images[0].get_array(), np.abs(np.fft.rfft(vecs[:, :16], axis=0)))
    np.testing.assert_array_equal(axes[2].get_lines()[0].get_ydata(), [1.0, 0.5, 0.1])
    assert fig.axes[-1].get_ylabel() == "|rfft(v_m)|" and axes[2].get_yscale() == "log"
    with pytest.raises(IndexError):
        plot_kernel_eigenbasis(xs, vecs[:, :3], [0, 1, 2], {}, bin_size=1)
    plt.close("all")
