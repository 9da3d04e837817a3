"""freqlens.plot.hfc: the component-training bars and the accuracy curves label their axes and reference lines."""
import matplotlib.pyplot as plt
import numpy as np

from freqlens.dynamics.hfc import HFCCurves
from freqlens.plot.hfc import plot_component_training, plot_hfc_curves


def test_component_training_bars_label_the_radius_axis_and_the_chance_line():
    table = {f"{c}({r})": {"train": 0.9, "original_test": 0.3} for c in ("LFC", "HFC") for r in (4, 8)}
    _, ax = plot_component_training(table, [4, 8])
    assert ax.get_xlabel() == "radius r of the component (cycles per image)" and ax.get_ylabel() == "accuracy"
    assert "chance (10 classes)" in [t.get_text() for t in ax.get_legend().get_texts()]
    heights = sorted(round(p.get_height(), 2) for p in ax.patches)
    assert heights == [0.3] * 4 + [0.9] * 4
    plt.close("all")


def test_hfc_curves_skip_all_nan_series():
    nan = np.full((2, 1), np.nan)
    c = HFCCurves(radii=[4.0], epochs=np.array([1, 2]), clean_train=np.full(2, np.nan), clean_test=np.ones(2),
                  lfc_train=nan, hfc_train=nan, lfc_test=np.ones((2, 1)), hfc_test=nan, rescale="none", bn_eval="eval")
    _, ax = plot_hfc_curves(c)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["test (clean)", "L(4)"]
    assert ax.get_ylabel() == "accuracy (test set)"
    plt.close("all")
