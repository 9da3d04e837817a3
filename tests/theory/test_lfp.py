"""LFP model: γ², Green's function, min-FP-norm interpolation (closed form and Fourier), dynamics, FP-norm."""
import math

import numpy as np
import pytest
from scipy.interpolate import CubicSpline

from freqlens.errors import InputError
from freqlens.theory.lfp import (
    MinFPNormSolution,
    empirical_relu_ntk,
    fp_generalization_bound,
    fp_norm,
    fp_norm_of_samples,
    gamma_squared,
    lfp_dynamics,
    lfp_green,
    min_fp_norm_closed_form,
    min_fp_norm_interpolation,
    relu_init_moments,
)

X = np.array([-1.0, -0.6, -0.2, 0.2, 0.6, 1.0])
Y = np.array([0.2, -0.5, 0.8, -0.3, 0.6, -0.1])
XT = np.linspace(-1, 1, 201)


def rel(u, v):
    return np.linalg.norm(u - v) / np.linalg.norm(v)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_relu_moments_closed_form_matches_monte_carlo(d):
    closed = relu_init_moments(1.3, 0.7, d, "closed")
    mc = relu_init_moments(1.3, 0.7, d, "monte_carlo", n_samples=400_000, seed=1)
    np.testing.assert_allclose(mc, closed, rtol=0.015)
    if d == 1:
        np.testing.assert_allclose(relu_init_moments(1, 1, 1), (2 * math.sqrt(2 / math.pi), math.sqrt(2 / math.pi)))


def test_gamma_squared_relu_closed_form_vs_monte_carlo_and_formula():
    xi = np.array([0.1, 0.5, 2.0])
    closed = gamma_squared(xi, w_std=1.0, a_std=0.5)
    mc = gamma_squared(xi, w_std=1.0, a_std=0.5, method="monte_carlo", n_samples=400_000)
    np.testing.assert_allclose(mc, closed, rtol=0.02)
    a3, a1 = relu_init_moments(1.0, 0.5)
    np.testing.assert_allclose(closed, a3 / (16 * math.pi ** 4 * xi ** 4) + a1 / (4 * math.pi ** 2 * xi ** 2))


def test_gamma_squared_tanh_quadrature_vs_monte_carlo_and_exponential_decay():
    xi = np.array([0.05, 0.2, 0.5])
    quad = gamma_squared(xi, activation="tanh", a_std=1.0, method="closed")
    mc = gamma_squared(xi, activation="tanh", a_std=1.0, method="monte_carlo", n_samples=400_000)
    np.testing.assert_allclose(mc, quad, rtol=0.05)
    # tanh's γ² decays exponentially, ReLU's only polynomially
    hi = np.array([2.0, 4.0])
    t = gamma_squared(hi, activation="tanh", w_std=1.0, a_std=1.0)
    r = gamma_squared(hi, w_std=1.0, a_std=1.0)
    assert t[1] / t[0] < 1e-3 < r[1] / r[0]


def test_green_function_constants_from_the_general_formula():
    # d = 1: A3|r|³/12 − A1|r|/2 ; d = 2: (A3/9)r³ − A1 r (the LFP Green's functions)
    assert lfp_green(2.0, 1.0, 0.0, 1) == pytest.approx(8 / 12)
    assert lfp_green(2.0, 0.0, 1.0, 1) == pytest.approx(-1.0)
    assert lfp_green(2.0, 1.0, 0.0, 2) == pytest.approx(8 / 9)
    assert lfp_green(2.0, 0.0, 1.0, 2) == pytest.approx(-2.0)


def test_min_fp_norm_limits_are_natural_cubic_spline_and_piecewise_linear():
    cubic = min_fp_norm_closed_form(X, Y, XT, a3=1.0, a1=0.0)
    assert np.max(np.abs(cubic - CubicSpline(X, Y, bc_type="natural")(XT))) < 1e-9
    linear = min_fp_norm_closed_form(X, Y, XT, a3=0.0, a1=1.0)
    assert np.max(np.abs(linear - np.interp(XT, X, Y))) < 1e-9


@pytest.mark.parametrize("a3,a1", [(1, 0), (1, 0.5), (1, 5), (0, 1)])
def test_fourier_solver_agrees_with_closed_form(a3, a1):
    sol = min_fp_norm_interpolation(X, Y, lambda k: gamma_squared(k, a3, a1), n_freq=400, period=8.0)
    closed = min_fp_norm_closed_form(X, Y, XT, a3, a1)
    assert rel(sol(XT), closed) < 0.03
    np.testing.assert_allclose(sol(X), Y, atol=1e-6)


def test_xor_closed_form_is_a_saddle_with_the_spec_value():
    x = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    y = x[:, 0] * x[:, 1]
    a3, a1 = relu_init_moments(1.0, 1.0, 2)
    h = min_fp_norm_closed_form(x, y, np.array([[0.5, 0.5], [0.0, 0.3], [-0.5, 0.5]]), a3, a1)
    assert h[0] == pytest.approx(0.295, abs=0.005)
    assert abs(h[1]) < 1e-12 and h[2] == pytest.approx(-h[0])


def test_ntk_interpolant_approaches_lfp_closed_form():
    rng = np.random.default_rng(0)
    m = 20_000
    w, b, a = rng.normal(size=(m, 1)), rng.uniform(-4, 4, m), rng.normal(0, 0.01, m)
    r = np.abs(w[:, 0])
    lfp = min_fp_norm_closed_form(X, Y, XT, float(np.mean(r ** 3)), float(np.mean(a ** 2 * r)))
    k = empirical_relu_ntk(X, X, w, b, a)
    ntk = empirical_relu_ntk(XT, X, w, b, a) @ np.linalg.solve(k, Y)
    assert rel(ntk, lfp) < 0.05


def test_lfp_dynamics_start_limit_and_monotone_residual():
    g2 = lambda k: gamma_squared(k, 1.0, 0.5)  # noqa: E731
    dyn = lfp_dynamics(X, Y, g2, times=[0.0, 1e-3, 1e-2, 1e-1, 1e4], x_test=XT, n_freq=200, period=8.0)
    np.testing.assert_allclose(dyn.predictions[0], 0.0, atol=1e-12)
    assert np.all(np.diff(dyn.train_residual) <= 1e-12)
    sol = min_fp_norm_interpolation(X, Y, g2, n_freq=200, period=8.0)
    assert rel(dyn.predictions[-1], sol(XT)) < 1e-6
    assert rel(dyn.limit, sol(XT)) < 1e-6
    at_data = lfp_dynamics(X, Y, g2, times=[1e4], n_freq=200, period=8.0)
    np.testing.assert_allclose(at_data.predictions[0], Y, atol=1e-5)


def test_fp_norm_of_a_sinusoid():
    t = np.arange(64) / 64
    val = fp_norm_of_samples(np.sin(2 * np.pi * 3 * t), lambda k: 1 / k ** 4, coordinate=t)
    assert val == pytest.approx(math.sqrt(2 * 0.25 * 3 ** 4))
    assert fp_norm([0.5, 0.5], [1 / 81, 1 / 81]) == pytest.approx(val)


def test_min_fp_norm_solution_fp_norm_is_minimal_and_saves(tmp_path):
    g2 = lambda k: 1 / k ** 4 + 0.1 / k ** 2  # noqa: E731
    xs = np.array([0.1, 0.35, 0.6, 0.8])
    ys = np.sin(2 * np.pi * xs)
    sol = min_fp_norm_interpolation(xs, ys, g2, n_freq=64, period=1.0)
    # sin(2πx) also interpolates; the min-norm solution cannot have a larger FP-norm
    assert sol.fp_norm <= math.sqrt(2 * 0.25 / g2(1.0)) + 1e-9
    sol.save(tmp_path / "s.json")
    back = MinFPNormSolution.load(tmp_path / "s.json")
    np.testing.assert_allclose(back(xs), ys, atol=1e-6)


def test_gamma_squared_nonpositive_is_refused():
    with pytest.raises(InputError, match="γ² must be finite and > 0"):
        min_fp_norm_interpolation(X, Y, lambda k: 1 / k ** 2 - 0.5, n_freq=20, period=8.0)
    with pytest.raises(InputError, match="γ² must be finite and > 0"):
        fp_norm([1.0, 1.0], [1.0, 0.0])
    with pytest.raises(InputError, match="A3"):
        min_fp_norm_closed_form(X, Y, XT, 0.0, 0.0)


def test_coincident_points_with_different_labels_are_refused():
    with pytest.raises(InputError, match="coincide"):
        min_fp_norm_closed_form([0.0, 0.5, 0.5, 1.0], [0.0, 1.0, 2.0, 0.0], XT, 1.0, 0.0)
    with pytest.raises(InputError, match="coincide"):
        min_fp_norm_interpolation([0.0, 0.5, 0.5], [0.0, 1.0, -1.0], lambda k: 1 / k ** 4, n_freq=8)
    # equal labels are merged, not refused
    h = min_fp_norm_closed_form([0.0, 0.5, 0.5, 1.0], [0.0, 1.0, 1.0, 0.0], [0.5], 1.0, 0.0)
    assert h[0] == pytest.approx(1.0)


def test_non_uniform_grid_is_refused_for_fp_norm():
    t = np.sort(np.random.default_rng(0).uniform(0, 1, 32))
    with pytest.raises(InputError, match="not uniform"):
        fp_norm_of_samples(np.sin(2 * np.pi * t), lambda k: 1 / k ** 4, coordinate=t)


def test_generalization_bound_grows_with_fp_norm_and_shrinks_with_n():
    assert fp_generalization_bound(2.0, 1.0, 100) > fp_generalization_bound(1.0, 1.0, 100)
    assert fp_generalization_bound(1.0, 1.0, 400) < fp_generalization_bound(1.0, 1.0, 100)
    with pytest.raises(InputError):
        fp_generalization_bound(1.0, 1.0, 0)
