"""LFP figures: the minimum-FP-norm interpolant through its data, the dynamics converging to it, the
generalisation and XOR panels; data read back from the artists."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from freqlens.plot.lfp import plot_lfp_1d, plot_lfp_dynamics, plot_lfp_generalization, plot_min_fp_norm, plot_xor
from freqlens.theory.lfp import lfp_dynamics, min_fp_norm_interpolation


def gamma(k):
    return 1 / (1 + k ** 4)


X, Y = np.array([-1.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0])


def test_min_fp_norm_1d_curve_interpolates_the_drawn_data():
    sol = min_fp_norm_interpolation(X, Y, gamma, n_freq=20)
    fig, ax = plot_min_fp_norm(sol, title="t")
    curve = ax.get_lines()[0]
    xt = curve.get_xdata()
    assert len(xt) == 400 and xt[0] == pytest.approx(-1.5) and xt[-1] == pytest.approx(1.5)   # range ± 25 %
    np.testing.assert_allclose(curve.get_ydata(), sol(xt))
    np.testing.assert_allclose(ax.collections[0].get_offsets(), np.stack([X, Y], 1))          # the data points
    np.testing.assert_allclose(sol(X), Y, atol=1e-6)                                           # it interpolates
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("x", "h(x)", "t")
    assert f"{sol.fp_norm:.3g}" in ax.get_legend().get_texts()[0].get_text()
    plt.close(fig)


def test_min_fp_norm_2d_is_an_image_with_a_colour_bar():
    x2 = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    y2 = x2[:, 0] * x2[:, 1]
    sol = min_fp_norm_interpolation(x2, y2, gamma, n_freq=6)
    fig, ax = plot_min_fp_norm(sol)
    im = ax.images[0]
    assert im.get_array().shape == (80, 80) and im.get_cmap().name == "RdBu_r"
    assert fig.axes[1].get_ylabel() == "h(x)" and (ax.get_xlabel(), ax.get_ylabel()) == ("x₁", "x₂")
    assert ax.get_title() == "Minimum FP-norm interpolant (truncated Fourier basis)"
    plt.close(fig)


def test_lfp_dynamics_one_line_per_time_and_the_limit():
    xt = np.linspace(-1, 1, 11)
    dyn = lfp_dynamics(X, Y, gamma, times=[0, 1, 100], x_test=xt, n_freq=20)
    fig, ax = plot_lfp_dynamics(dyn)
    lines = ax.get_lines()
    assert len(lines) == 4
    for i in range(3):
        np.testing.assert_allclose(lines[i].get_ydata(), dyn.predictions[i])
    np.testing.assert_allclose(lines[3].get_ydata(), dyn.limit)
    np.testing.assert_allclose(lines[0].get_ydata(), 0, atol=1e-12)           # h(x, 0) = 0
    assert lines[3].get_linestyle() == "--" and ax.get_ylabel() == "h(x, t)"
    plt.close(fig)


def test_generalization_plots_mse_against_fp_norm_and_the_gate():
    norms = {1: 5.0, 4: 80.0}
    mse = {"net": {1: 0.01, 4: 0.3}, "lfp": {1: 0.02, 4: 0.2}, "linear": {1: 0.05, 4: 0.5}, "spline": {1: 0.03, 4: 0.4}}
    fig, axes = plot_lfp_generalization(norms, mse, {"lfp": 0.05, "linear": 0.4}, n=10)
    for line, name in zip(axes[0].get_lines(), ("net", "lfp", "linear", "spline")):
        np.testing.assert_array_equal(line.get_xdata(), [5.0, 80.0])
        np.testing.assert_array_equal(line.get_ydata(), [mse[name][1], mse[name][4]])
    assert axes[0].get_xscale() == axes[0].get_yscale() == "log"
    assert [p.get_height() for p in axes[1].patches] == [0.05, 0.4]
    assert axes[1].get_lines()[0].get_ydata()[0] == 0.15
    with pytest.raises(KeyError):
        plot_lfp_generalization(norms, {"net": mse["net"]}, {}, n=10)
    plt.close("all")


def test_lfp_1d_panels_hold_the_width_curve_and_the_gate():
    xt = np.linspace(-1, 1, 11)
    dyn = lfp_dynamics(X, 0.5 * Y, gamma, times=[0, 10], x_test=xt, n_freq=20)
    fig, axes = plot_lfp_1d(X, 0.5 * Y, xt, dyn.limit, {"m = 100": dyn.limit + 0.01}, dyn.limit, dyn.limit,
                            [100, 1000], [0.2, 0.05], 0.01, 1000, dyn)
    assert len(axes) == 3
    np.testing.assert_allclose(axes[0].get_lines()[1].get_ydata(), dyn.limit + 0.01)
    width = axes[1].get_lines()[0]
    np.testing.assert_array_equal(width.get_xdata(), [100, 1000])
    np.testing.assert_array_equal(width.get_ydata(), [0.2, 0.05])
    assert sorted(line.get_ydata()[0] for line in axes[1].get_lines()[1:]) == [0.01, 0.15]
    assert axes[2].get_ylabel() == "h(x, t)"
    plt.close(fig)


def test_xor_panels_use_symmetric_colour_ranges():
    x = np.array([[-1.0, -1], [-1, 1], [1, -1], [1, 1]])
    g = np.linspace(-1, 1, 4)
    lfp = np.outer(g, g).ravel()
    net = 0.9 * lfp
    fig, axes = plot_xor(x, x[:, 0] * x[:, 1], lfp, net, width=10, grid=4)
    np.testing.assert_allclose(axes[0].images[0].get_array(), lfp.reshape(4, 4))
    np.testing.assert_allclose(axes[2].images[0].get_array(), (net - lfp).reshape(4, 4))
    assert axes[0].images[0].get_clim() == (-1.0, 1.0)
    assert axes[2].images[0].get_clim() == pytest.approx((-0.1, 0.1))
    assert len(fig.axes) == 6 and "width 2×10" in axes[1].get_title()
    with pytest.raises(ValueError):
        plot_xor(x, x[:, 0], lfp[:-1], net[:-1], width=10, grid=4)
    plt.close("all")
