"""freqlens.plot.fprinciple: Δ_F heat-map cells sit on the recorded epochs, axes and colour bar are labelled."""
import matplotlib.pyplot as plt
import numpy as np

from freqlens.dynamics.fprinciple import FilteringHistory, ProjectionResult
from freqlens.plot.fprinciple import plot_band_gradient_ratios, plot_filtering_and_projection, plot_projection_heatmap


def _projection(epochs):
    d = np.linspace(1.0, 0.1, len(epochs) * 2).reshape(len(epochs), 2)
    return ProjectionResult(epochs=epochs, peak_freqs=[0.5, 1.5], deltas=d, freqs=np.ones(1),
                            target_amplitude=np.ones(1), output_amplitude=np.ones(1), direction=np.ones(1))


def test_projection_heatmap_cells_are_centred_on_the_recorded_epochs():
    fig, ax = plot_projection_heatmap(_projection([0, 10, 20, 30]), vmin=0.1, vmax=1.0)
    left, right, bottom, top = ax.images[0].get_extent()
    assert (left, right) == (-5.0, 35.0)                   # 4 cells of width 10 centred on 0, 10, 20, 30
    assert (bottom, top) == (-0.5, 1.5)                    # one row per peak
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel().startswith("peak frequency")
    assert fig.axes[-1].get_ylabel().startswith("Δ_F")     # the colour bar carries the value
    one, _ = plot_projection_heatmap(_projection([7]))     # a single record: a cell of width 1 around it
    assert one.axes[0].images[0].get_extent()[:2] == [6.5, 7.5]
    plt.close("all")


def test_filtering_and_projection_panels_are_labelled():
    f = FilteringHistory(epochs=[0, 1], deltas=[2.0], e_low=np.array([[1.0], [0.2]]), e_high=np.ones((2, 1)))
    fig, axes = plot_filtering_and_projection(f, _projection([0, 1]), "t")
    assert all(a.get_xlabel() and a.get_ylabel() and a.get_title() for a in axes)
    assert len(fig.axes) == 3                                  # two panels and the heat map's colour bar
    plt.close("all")


def test_band_gradient_ratio_axes_are_labelled():
    _, ax = plot_band_gradient_ratios({"tanh": [0.1, 0.2]}, threshold=1.0)
    assert ax.get_xlabel() == "model (one dot per seed)" and "‖∇θ L⁺‖" in ax.get_ylabel()
    plt.close("all")
