"""plot_feature_spectra: Δ log amplitude at π per layer, in depth order, with the zero line."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from freqlens.plot.feature_spectra import plot_feature_spectra
from freqlens.probes.feature_spectra import FeatureSpectra


def _res(label=""):
    return FeatureSpectra(layers=["conv1", "conv2", "conv3"], frequency={}, log_amplitude={},
                          high_frequency_amplitude={"conv3": 0.5, "conv1": -1.0, "conv2": -3.0}, shapes={},
                          n_images=4, label=label)


def test_values_follow_the_layer_order_with_a_zero_line():
    fig, ax = plot_feature_spectra(_res())
    data, zero = ax.get_lines()
    np.testing.assert_array_equal(data.get_ydata(), [-1.0, -3.0, 0.5])   # depth order, not dict order
    np.testing.assert_array_equal(zero.get_ydata(), [0.0, 0.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["conv1", "conv2", "conv3"]
    assert ax.get_xlabel() == "layer (depth order)" and "nepers" in ax.get_ylabel()
    assert ax.get_title() == "High-frequency content of feature maps (n=4)"
    assert ax.get_legend() is None
    plt.close(fig)


def test_label_gets_a_legend_and_a_missing_layer_raises():
    fig, ax = plot_feature_spectra(_res(label="resnet"))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["resnet"]
    plt.close(fig)
    bad = _res()
    bad.layers = ["conv1", "fc"]
    with pytest.raises(KeyError):
        plot_feature_spectra(bad)
