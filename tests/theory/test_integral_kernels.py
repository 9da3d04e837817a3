"""Kernel spectra: periodic Mexican-hat kernel (E–Ma–Wu example), ReLU random features, RBF eigenvectors."""
import math

import numpy as np
import pytest

from freqlens.errors import InputError
from freqlens.theory.integral_kernels import (
    KernelFlowResult,
    binned_abs,
    circulant_eigenvalues,
    dominant_rfft_bin,
    kernel_gradient_flow,
    periodic_kernel_eigenvalues,
    periodic_kernel_flow,
    periodic_kernel_matrix,
    periodic_kernel_peak,
    rbf_kernel_eigen,
    relu_arccos_eigenvalues,
    relu_random_feature_kernel,
    sign_changes,
)


@pytest.mark.parametrize("h,n", [(0.2, 256), (0.5, 128)])
def test_periodic_kernel_eigenvalues_match_formula(h, n):
    k = periodic_kernel_matrix(n, h)
    freqs, ev = circulant_eigenvalues(k[0])
    lam = periodic_kernel_eigenvalues(freqs, h)
    assert np.max(np.abs(ev - lam)) / lam.max() < 1e-10
    dense = np.sort(np.linalg.eigvalsh(k))[::-1]
    assert dense[0] == pytest.approx(lam.max(), rel=1e-10)
    assert int(np.argmax(lam)) == round(periodic_kernel_peak(h))


def test_periodic_flow_rates_equal_eigenvalues_and_order_reverses_below_peak():
    flow = periodic_kernel_flow(128, 0.2, [1, 2, 4, 7, 10, 14, 18], method="euler")
    np.testing.assert_allclose(flow.rates, flow.eigenvalues, rtol=0.02)
    exact = periodic_kernel_flow(128, 0.2, [1, 2, 4, 7, 10, 14, 18], method="exact")
    np.testing.assert_allclose(exact.rates, exact.eigenvalues, rtol=1e-8)
    t = dict(zip(flow.modes, flow.convergence_times()))
    assert t[1] > t[2] > t[4] > t[7]      # k < k* ≈ 7.07: anti-F-Principle
    assert t[7] < t[10] < t[14] < t[18]   # k ≥ k*: F-Principle


def test_flow_result_roundtrip_and_plot(tmp_path):
    flow = periodic_kernel_flow(64, 0.5, [1, 3], n_records=5)
    flow.save(tmp_path / "f.json")
    back = KernelFlowResult.load(tmp_path / "f.json")
    np.testing.assert_allclose(back.rates, flow.rates)
    fig, ax = back.plot()
    assert "k" in ax.get_xlabel()


def test_modes_above_nyquist_and_bad_width_are_refused():
    with pytest.raises(InputError, match="N/2"):
        periodic_kernel_flow(32, 0.5, [1, 16])
    with pytest.raises(InputError, match="h"):
        periodic_kernel_eigenvalues([1], 0.0)


def test_generic_kernel_flow_decays_each_eigenmode_at_its_eigenvalue():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20, 20))
    k = a @ a.T / 20
    f = rng.normal(size=20)
    lam, v, res = kernel_gradient_flow(k, f, [0.0, 1.0])
    assert np.all(np.diff(lam) <= 0)
    np.testing.assert_allclose(res[1] / res[0], np.exp(-np.maximum(lam, 0)), rtol=1e-10)


def test_relu_random_feature_spectrum_approaches_arccos_closed_form():
    cf = relu_arccos_eigenvalues(np.arange(8))
    assert cf[0] == pytest.approx(4 / math.pi, rel=1e-10)  # ∫κ = 2·(2/π)·... : κ̄ = 2/π² ⇒ λ₀ = 4/π
    assert np.all(np.abs(cf[3::2]) < 1e-12)               # odd k ≥ 3 vanish
    _, ev = circulant_eigenvalues(relu_random_feature_kernel(64, 40_000, seed=0)[0])
    assert np.max(np.abs(ev[:8] - cf)) / cf[0] < 0.03


def test_rbf_eigenvectors_ordered_by_frequency():
    lam, v = rbf_kernel_eigen(np.arange(50) / 50, 0.1)
    assert np.all(np.diff(lam) <= 1e-12)
    valid = np.flatnonzero(lam / lam[0] > 1e-10)
    assert [sign_changes(v[:, m]) for m in valid] == list(valid)
    bins = [dominant_rfft_bin(v[:, m]) for m in range(20)]
    assert bins == sorted(bins) and bins[-1] >= 8


def test_binned_abs():
    np.testing.assert_allclose(binned_abs(np.array([1.0, -3.0, 2.0, -2.0, 9.0]), 2), [2.0, 2.0])
    with pytest.raises(InputError):
        binned_abs(np.ones(3), 5)


def test_arccos_spectrum_vanishes_at_odd_k_and_decays_like_k_to_the_minus_4():
    # the docstring's promise: odd k ≥ 3 give 0, even k decay like k⁻⁴ (λ_0 = 4/π, λ_1 = π/4 in closed form)
    ev = relu_arccos_eigenvalues(np.arange(0, 33))
    assert ev[0] == pytest.approx(4 / np.pi, rel=1e-10) and ev[1] == pytest.approx(np.pi / 4, rel=1e-10)
    assert np.abs(ev[3::2]).max() < 1e-12
    slope = np.polyfit(np.log([8, 16, 32]), np.log(ev[[8, 16, 32]]), 1)[0]
    assert slope == pytest.approx(-4.0, abs=0.1)
