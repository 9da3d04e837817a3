"""Kernel-flow figures: the closed-form and numeric eigenvalues, the measured rates, the peak k* and the residuals."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from freqlens.plot.integral_kernels import plot_kernel_flow, plot_mode_residuals
from freqlens.theory.integral_kernels import periodic_kernel_flow


@pytest.fixture(scope="module")
def flow():
    return periodic_kernel_flow(n=32, h=0.5, modes=(1, 3, 6), method="exact", n_records=6)


def test_kernel_flow_draws_the_spectrum_rates_and_peak(flow):
    fig, ax = plot_kernel_flow(flow)
    formula, numeric, rates, peak = ax.get_lines()[:4]
    k = np.asarray(flow.frequencies)
    sel = k <= max(int(3 * flow.peak), max(flow.modes) + 2)
    np.testing.assert_allclose(formula.get_ydata(), np.asarray(flow.formula_eigenvalues)[sel])
    np.testing.assert_allclose(numeric.get_ydata(), np.asarray(flow.numeric_eigenvalues)[sel])
    np.testing.assert_array_equal(rates.get_xdata(), flow.modes)
    np.testing.assert_allclose(rates.get_ydata(), flow.rates)
    assert peak.get_xdata()[0] == pytest.approx(np.sqrt(2) / 0.5)
    assert ax.get_xlabel() == "frequency k on the circle" and ax.get_ylabel() == "eigenvalue / rate"
    assert "h = 0.5" in ax.get_title() and "k* = √2/h = 2.83" in ax.get_title()
    plt.close(fig)


def test_mode_residuals_one_log_line_per_mode(flow):
    fig, ax = plot_mode_residuals(flow, title="t")
    lines = ax.get_lines()
    assert len(lines) == 3 and ax.get_yscale() == "log" and ax.get_title() == "t"
    for i, line in enumerate(lines):
        np.testing.assert_allclose(line.get_xdata(), flow.times)
        np.testing.assert_allclose(line.get_ydata(), flow.residuals[:, i])
    assert [t.get_text().split(" (")[0] for t in ax.get_legend().get_texts()] == ["k = 1", "k = 3", "k = 6"]
    assert ax.get_xlabel() == "gradient-flow time t" and ax.get_ylabel() == "relative residual of mode k"
    plt.close(fig)
