"""Transfer functions of ball / sphere averaging and of the paper's sampled estimator vs Monte Carlo."""
import numpy as np
import pytest
import torch
from scipy import special

from freqlens.errors import InputError
from freqlens.fourier.ball_average import (
    ball_average_response,
    disk_average_2d,
    monte_carlo_plane_wave_average,
    paper_estimator_response,
    sphere_average_response,
)


@pytest.mark.parametrize("dim", [1, 2, 3, 10, 100, 3072])
def test_transfer_is_one_at_zero_frequency(dim):
    assert ball_average_response([0.0], dim)[0] == pytest.approx(1.0, abs=1e-12)
    assert sphere_average_response([0.0], dim)[0] == pytest.approx(1.0, abs=1e-12)
    assert paper_estimator_response([0.0], dim)[0] == pytest.approx(1.0, abs=1e-12)


def test_known_low_dimensional_forms():
    s = np.linspace(0.1, 20, 50)
    np.testing.assert_allclose(ball_average_response(s, 1), np.sin(s) / s, atol=1e-12)
    np.testing.assert_allclose(ball_average_response(s, 2), 2 * special.j1(s) / s, atol=1e-12)
    np.testing.assert_allclose(ball_average_response(s, 3), 3 * (np.sin(s) - s * np.cos(s)) / s ** 3, atol=1e-10)
    np.testing.assert_allclose(sphere_average_response(s, 2), special.j0(s), atol=1e-12)
    np.testing.assert_allclose(sphere_average_response(s, 3), np.sin(s) / s, atol=1e-12)


def test_small_s_expansion_and_high_dimension_fallback():
    for dim in (2, 10, 100):
        s = np.array([1e-2])
        assert ball_average_response(s, dim)[0] == pytest.approx(1 - s[0] ** 2 / (2 * (dim + 2)), abs=1e-9)
    # d = 3072 (a CIFAR image): the Bessel form underflows, the quadrature takes over; ≈ Gaussian exp(−s²/(2(d+2)))
    s = np.array([10.0, 50.0, 100.0])
    h = ball_average_response(s, 3072)
    np.testing.assert_allclose(h, np.exp(-s ** 2 / (2 * 3074)), atol=5e-3)
    assert np.all(np.isfinite(h))


@pytest.mark.parametrize("dim", [2, 10, 100])
def test_monte_carlo_ball_average_matches_bessel(dim):
    s = np.linspace(0, 4 * np.sqrt(dim), 9)
    mean, se = monte_carlo_plane_wave_average(s, dim, samples=20000, scheme="ball", seed=dim)
    z = np.abs(mean - ball_average_response(s, dim)) / np.maximum(se, 1e-12)
    assert mean[0] == pytest.approx(1.0)
    assert np.mean(z[1:] < 3) >= 0.85 and z.max() < 4.5


@pytest.mark.parametrize("dim", [2, 10, 100])
def test_monte_carlo_paper_estimator_matches_formula_and_has_floor(dim):
    s = np.linspace(0, 4 * np.sqrt(dim), 9)
    mean, se = monte_carlo_plane_wave_average(s, dim, samples=3000, scheme="paper", seed=dim + 1)
    hk = paper_estimator_response(s, dim)
    z = np.abs(mean - hk) / np.maximum(se, 1e-12)
    assert np.mean(z[1:] < 3) >= 0.85 and z.max() < 4.5
    # at high frequency the original point keeps a floor of 1/91: the estimator passes more than the ball average
    big = np.array([4 * np.sqrt(dim) * 3])
    if dim < 10:       # in 2-D the sphere average J0 decays too slowly for the floor to show
        return
    assert paper_estimator_response(big, dim)[0] > abs(ball_average_response(big, dim)[0])
    assert paper_estimator_response(big, dim)[0] == pytest.approx(1 / 91, abs=0.02)


def test_disk_average_attenuates_plane_wave_as_2j1_over_s():
    n, k, radius = 256, 24, 6.0
    xs = torch.arange(n, dtype=torch.float64)
    wave = torch.cos(2 * np.pi * k * xs / n)[None, :].repeat(n, 1)
    out = disk_average_2d(wave, radius)
    amplitude = float((out * wave).sum() / (wave * wave).sum())
    s = radius * 2 * np.pi * k / n
    assert amplitude == pytest.approx(2 * special.j1(s) / s, abs=0.03)
    assert abs(amplitude) < 0.3     # the high-frequency wave is strongly damped


@pytest.mark.parametrize("call", [
    lambda: ball_average_response([1.0], 0),
    lambda: sphere_average_response([1.0], 2.5),
    lambda: ball_average_response([np.nan], 3),
    lambda: paper_estimator_response([1.0], 3, n_directions=0),
    lambda: monte_carlo_plane_wave_average([1.0], 3, samples=1),
    lambda: monte_carlo_plane_wave_average([1.0], 3, scheme="cube"),
    lambda: disk_average_2d(torch.zeros(8, 8), 0.0),
    lambda: disk_average_2d(torch.zeros(8), 1.0),
])
def test_bad_input_raises_one_line_error(call):
    with pytest.raises(InputError) as info:
        call()
    assert "\n" not in str(info.value)
