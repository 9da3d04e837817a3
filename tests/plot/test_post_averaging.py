"""freqlens.plot.post_averaging: the defense bars are in percent and every axis is labelled."""
import matplotlib.pyplot as plt

from freqlens.plot.post_averaging import plot_defense_evaluation, plot_radius_tradeoff
from freqlens.probes.defense import DefenseEvaluation, RadiusTradeoff


def test_defense_bars_in_percent_with_labelled_axes():
    ev = DefenseEvaluation(protocol="paper", radius=0.5, radius_space="pixel", radius_pixel=0.5, n_directions=15,
                           n_samples=1, n_images=10, clean_accuracy_base=0.9, clean_accuracy_defended=0.85,
                           linf_budget=8 / 255, attacks={"pgd_fixed": {"base_accuracy": 0.1, "defended_accuracy": 0.6,
                                                                       "threat": "transfer", "n_counted": 8,
                                                                       "n_attacked": 10}})
    _, ax = plot_defense_evaluation(ev)
    assert sorted(round(p.get_height()) for p in ax.patches) == [10, 60, 85, 90]
    assert ax.get_xlabel() == "evaluated set" and ax.get_ylabel().startswith("accuracy (%)")
    assert "8/10 counted" in ax.get_xticklabels()[1].get_text()
    assert "8/255" in ax.get_title()
    plt.close("all")


def test_radius_tradeoff_draws_percent_and_the_default_radius():
    r = RadiusTradeoff(base_accuracy=0.9, default_radius=0.5, radius_space="pixel", n_directions=15, n_images=10,
                       radii={"paper": [0.25, 0.5]}, accuracy={"paper": [0.8, 0.6]})
    _, ax = plot_radius_tradeoff(r)
    assert list(ax.get_lines()[0].get_ydata()) == [80.0, 60.0]
    assert ax.get_xlabel() == "radius r (pixel input units)"
    plt.close("all")
