"""freqlens.plot.robustness: frequency axes in cycles per image, one colour bar per spectrum, percent scales."""
import matplotlib.pyplot as plt
import numpy as np

from freqlens.plot.robustness import plot_band_noise, plot_filtering, plot_spectra_grid
from freqlens.probes.filtering import FilteredAccuracy
from freqlens.probes.noise import BandNoiseResult


def test_spectra_grid_axes_have_units_and_each_map_a_colour_bar():
    fig, axes = plot_spectra_grid({"fog": np.ones((4, 4)), "noise": np.full((4, 4), 2.0), "blur": np.ones((4, 4))},
                                  ncols=2)
    shown = [a for a in axes.flat if a.images]
    assert len(shown) == 3 and not axes[1, 1].axison
    assert all(a.get_xlabel() == "f_v (cycles/image)" and a.get_ylabel() == "f_u (cycles/image)" for a in shown)
    assert [a.get_ylabel() for a in fig.axes[len(axes.flat):]] == ["mean |FFT|"] * 3
    plt.close("all")


def test_filtering_and_noise_are_drawn_in_percent():
    r = FilteredAccuracy(bandwidths=[3, 31], accuracy={"low": [0.2, 0.9]}, clean_accuracy=0.9, n_images=4)
    _, ax = plot_filtering(r)
    assert list(ax.get_lines()[0].get_ydata()) == [20.0, 90.0] and ax.get_ylabel() == "test accuracy (%)"
    n = BandNoiseResult(bandwidths=[4, 16], error={"high": [10.0, 20.0]}, clean_error=5.0)
    _, ax = plot_band_noise([n])
    assert ax.get_xlabel() == "noise bandwidth B" and ax.get_ylabel() == "test error (%)"
    plt.close("all")


def test_band_noise_legend_names_models_only_when_there_are_several():
    from freqlens.plot.robustness import plot_band_noise
    from freqlens.probes.noise import BandNoiseResult

    r = BandNoiseResult(bandwidths=[4, 16], error={"low": [30.0, 50.0], "high": [10.0, 20.0]}, clean_error=5.0)
    _, ax = plot_band_noise([r])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["low-pass noise", "high-pass noise"]
    _, ax = plot_band_noise([r, r])
    assert ax.get_legend().get_texts()[0].get_text() == "model 0, low-pass noise"
