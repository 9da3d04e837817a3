"""freqlens.plot.random_features: residual curves on a log scale with the convergence level labelled."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from freqlens.dynamics.random_features import RandomFeatureTraining
from freqlens.plot.random_features import plot_kernel_regimes, plot_random_feature_training, plot_regime_times


def _result(feature="dgauss", times=(50.0, 20.0)):
    return RandomFeatureTraining(modes=[1, 5], steps=np.array([0, 10, 100]),
                                 residuals=np.array([[1.0, 1.0], [0.9, 0.0], [0.3, 0.0]]), times=np.array(times),
                                 kernel_eigenvalues=np.ones(2), h=0.5, feature=feature, n_features=10, lr=0.1)


def test_training_curves_floor_zero_residuals_and_label_the_convergence_level():
    _, ax = plot_random_feature_training(_result())
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "|r̂_k(t)| / |r̂_k(0)|"
    assert min(ax.get_lines()[1].get_ydata()) == 1e-12               # a zero residual stays on the log axis
    level = ax.get_lines()[-1]
    assert level.get_label() == "e⁻¹ (converged below)" and level.get_ydata()[0] == np.exp(-1)
    plt.close("all")


def test_regime_times_leave_never_converged_modes_out():
    _, ax = plot_regime_times(_result(), _result("gauss", (10.0, np.inf)))
    null = ax.get_lines()[1]
    assert np.isnan(null.get_ydata()[1])
    assert ax.get_xlabel() == "mode k"
    plt.close("all")


def test_kernel_regimes_figure_has_one_panel_per_run_then_the_times_against_the_null():
    def run(feature, h, times):
        return RandomFeatureTraining(modes=[1, 5], steps=np.arange(4), residuals=np.linspace(1, 0.1, 8).reshape(4, 2),
                                     times=np.array(times), kernel_eigenvalues=np.ones(2), h=h, feature=feature,
                                     n_features=10, lr=0.1)

    runs = [run("dgauss", 0.2, [50.0, 20.0]), run("dgauss", 0.5, [40.0, 30.0])]
    fig, axes = plot_kernel_regimes(runs, run("gauss", 0.5, [10.0, np.inf]), title="regimes")
    assert len(axes) == 3 and fig._suptitle.get_text() == "regimes"
    times = axes[-1].lines[0].get_ydata()
    np.testing.assert_allclose(times, [40.0, 30.0])                         # the last trained run's times
    assert np.isnan(axes[-1].lines[1].get_ydata()[1])                       # "never" is not drawn
    with pytest.raises(ValueError, match="at least one"):
        plot_kernel_regimes([], runs[0])
