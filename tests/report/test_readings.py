"""Readings: plain-language sentences computed from a probe's numbers, saying only what the numbers support
(issue 16): the band that hurts most, the bandwidth that keeps 90 % accuracy, nothing at chance."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from freqlens.probes.defense import RadiusTradeoff
from freqlens.probes.filtering import FilteredAccuracy
from freqlens.probes.heatmap import HeatmapResult
from freqlens.probes.hfc import HFCAccuracy
from freqlens.probes.layers import LayerResponse
from freqlens.report import readings


def _heatmap(values, **kw) -> HeatmapResult:
    return HeatmapResult(error=np.asarray(values, dtype=float), eps=4.0, n_images=10, clean_error=10.0,
                         bounds=[0, 1], seed=0, **kw)


def _noise(low, high, clean=10.0, full=None):
    return SimpleNamespace(bandwidths=[1, 3, 5, 7], error={"low": [low] * 4, "high": [high] * 4}, norm=4.0,
                           full_error=full if full is not None else max(low, high), clean_error=clean)


def test_noise_reading_needs_numbers_that_support_it():
    text, _ = readings.read_noise(_noise(89.0, 91.0), chance=0.1)            # both at chance
    assert "hurts most" not in text and "too large to tell" in text
    text, _ = readings.read_noise(_noise(88.0, 90.0, clean=90.0), chance=0.1)
    assert "hurts most" not in text and "at chance on clean images" in text
    assert readings.read_noise(_noise(20.0, 60.0), chance=0.1)[0].endswith("High-frequency noise hurts most.")
    assert "about equally" in readings.read_noise(_noise(30.0, 32.0), chance=0.1)[0]


def _layers(ratios):
    n = len(ratios)
    gain = np.ones((n, 8, 8))
    from freqlens.fourier.grid import radial_frequency

    rad = radial_frequency(8, 8, centered=True).numpy()
    for i, r in enumerate(ratios):
        gain[i][rad > 3] = r
    return LayerResponse(layer_names=[f"l{i}" for i in range(n)], layer_types=["Conv2d"] * n, gain=gain,
                         gain_pairs=np.zeros((n, 1)), positions=np.zeros((1, 2)), mode="basis", eps=4.0, n_images=1,
                         image_size=[1, 8, 8])


def test_layer_reading_never_contradicts_itself():
    text, numbers = readings.read_layers(_layers([0.9, 0.95, 1.1]))
    assert numbers["high_over_low_gain"] == pytest.approx([0.9, 0.95, 1.1])
    assert "passes about equally" in text and "strongest low-pass" not in text
    text, _ = readings.read_layers(_layers([1.0, 0.5, 0.7]))
    assert "strongest low-pass point is l1 (ratio 0.50" in text


def test_layer_reading_bands_fit_a_computed_window():
    from freqlens.fourier.grid import radial_frequency

    rad = radial_frequency(5, 5, centered=True).numpy()            # window 2 of a 32-px image: radii 0 … 2.83
    gain = np.stack([np.where(rad > 1.5, 0.25, 1.0)])
    res = LayerResponse(layer_names=["c"], layer_types=["Conv2d"], gain=gain, gain_pairs=np.zeros((1, 1)),
                        positions=np.zeros((1, 2)), mode="basis", eps=4.0, n_images=1, image_size=[3, 32, 32],
                        window=2)
    text, numbers = readings.read_layers(res)
    assert numbers["bands"] == {"low": "0 < r ≤ 1", "high": "r > 1.5"}
    assert numbers["high_over_low_gain"] == pytest.approx([0.25])
    assert "attenuates" in text


def test_heatmap_reading_says_nothing_at_chance():
    res = _heatmap(np.full((8, 8), 90.0))
    res.clean_error = 90.0
    text, _ = readings.read_heatmap(res, chance=0.1)
    assert text.startswith("The model is at chance")


def _rings(low, high):
    """An 8×8 map with ``low`` on the Chebyshev rings 0–2 and ``high`` on rings 3–4."""
    u, v = np.meshgrid(np.arange(-4, 4), np.arange(-4, 4), indexing="ij")
    return np.where(np.maximum(abs(u), abs(v)) >= 3, high, low)


def test_heatmap_reading_finds_the_rise_and_the_band_that_is_worse():
    text, numbers = readings.read_heatmap(_heatmap(_rings(10.0, 60.0)), chance=0.1)
    assert numbers["error_by_radius"] == [10.0, 10.0, 10.0, 60.0, 60.0] and numbers["half_rise_radius"] == 3
    assert numbers["low_band_error"] == 10.0 and numbers["high_band_error"] == pytest.approx(130 / 3)  # rings 2–4
    assert text.endswith("The model relies on high-frequency detail that a small perturbation can change.")
    text, _ = readings.read_heatmap(_heatmap(_rings(60.0, 10.0)), chance=0.1)
    assert "most fragile at" in text and "robust at high ones" in text
    text, numbers = readings.read_heatmap(_heatmap(_rings(11.0, 13.0)), chance=0.1)    # < 5 points above clean
    assert "barely change the error" in text and "half_rise_radius" not in numbers


def test_quantity_map_reading_compares_the_bands_in_the_quantitys_units():
    text, numbers = readings.read_heatmap(_heatmap(_rings(0.5, 2.0), quantity="loss", clean_value=0.3))
    assert numbers["quantity"] == "loss" and numbers["low_band_value"] == 0.5 and numbers["peak_radius"] == 3
    assert "Mean cross-entropy loss under perturbations of norm 4: 0.5 in the low band" in text
    assert "(clean images: 0.3)" in text and text.endswith("High-frequency perturbations move the model more "
                                                           "than low-frequency ones.")
    text, _ = readings.read_heatmap(_heatmap(_rings(1.0, 1.1), quantity="logit_change"))
    assert "move the model more" not in text and "clean images" not in text


def test_filtering_reading_names_the_bandwidth_for_90_percent_and_high_pass_information():
    r = FilteredAccuracy(bandwidths=[3, 15, 31], accuracy={"low": [0.3, 0.85, 0.9], "high": [0.5, 0.2, 0.1]},
                         clean_accuracy=0.9, n_images=10)
    text, numbers = readings.read_filtering(r, chance=0.1)
    assert numbers["bandwidth_for_90pct"] == 15                      # 0.85 ≥ 0.9·0.9, 0.3 is not
    assert "accuracy is 50 %, well above chance (10 %)" in text
    r.accuracy = {"low": [0.1, 0.2, 0.3], "high": [0.15, 0.1, 0.1]}
    text, numbers = readings.read_filtering(r, chance=0.1)
    assert numbers["bandwidth_for_90pct"] is None and text.startswith("Even the widest low-pass filter (31×31)")
    assert text.endswith("accuracy is 15 % (chance 10 %).")


def test_hfc_reading_says_the_model_uses_hfc_only_above_twice_chance():
    kw = dict(radii=[4, 8, 12], clean_accuracy=0.9, lfc_accuracy=np.array([0.3, 0.7, 0.85]), n_images=10,
              rescale="none", bn_eval="eval", image_size=[3, 32, 32])
    text, numbers = readings.read_hfc(HFCAccuracy(hfc_accuracy=np.array([0.4, 0.2, 0.1]), **kw), chance=0.1)
    assert text.startswith("At radius 8 the model keeps 70 % accuracy on the low-frequency component and 20 %")
    assert "Up to 40 % from the HFC alone" in text and numbers["hfc_accuracy"] == [0.4, 0.2, 0.1]
    text, _ = readings.read_hfc(HFCAccuracy(hfc_accuracy=np.array([0.2, 0.15, 0.1]), **kw), chance=0.1)
    assert "uses high-frequency" not in text and "give at most 20 % (chance 10 %)" in text


def test_corruption_reading_names_the_worst_and_the_direction_of_the_correlation():
    rows = [{"name": "fog", "hf_fraction": 0.1, "accuracy": 0.8}, {"name": "noise", "hf_fraction": 0.9,
            "accuracy": 0.3}, {"name": "blur", "hf_fraction": 0.05, "accuracy": 0.85}]
    text, numbers = readings.read_corruptions(rows)
    r = np.corrcoef([0.1, 0.9, 0.05], [0.8, 0.3, 0.85])[0, 1]
    assert numbers["correlation_hf_fraction_accuracy"] == pytest.approx(r) and r < -0.3
    assert text.startswith("Worst corruption: noise (30 % accuracy)") and "high-frequency corruptions hurt" in text
    flipped = [dict(row, hf_fraction=1 - row["hf_fraction"]) for row in rows]
    assert "low-frequency corruptions hurt" in readings.read_corruptions(flipped)[0]
    text, numbers = readings.read_corruptions(rows[:2])                 # two points: no correlation claimed
    assert math.isnan(numbers["correlation_hf_fraction_accuracy"]) and "hurt this model" not in text
    with pytest.raises(ValueError):
        readings.read_corruptions([])


def test_post_averaging_reading_finds_the_first_radius_that_drops_more_than_2_points():
    def tradeoff(acc, mode="random"):
        return RadiusTradeoff(base_accuracy=0.9, default_radius=0.5, radius_space="pixel", n_directions=15,
                              n_images=10, radii={mode: [0.25, 0.5, 1.0]}, accuracy={mode: acc})

    text, numbers = readings.read_post_averaging(tradeoff([0.89, 0.87, 0.6]))
    assert "keeps the clean accuracy (90 %) up to radius 0.5, where it falls to 87 %" in text
    assert numbers["accuracy"] == [0.89, 0.87, 0.6] and "--eval both" in text
    assert "up to radius 1 (89 %)" in readings.read_post_averaging(tradeoff([0.9, 0.9, 0.89], "ortho"))[0]
    assert "only below radius 0.25" in readings.read_post_averaging(tradeoff([0.5, 0.4, 0.3]))[0]


def test_chance_is_the_labels_not_the_models_output_count():
    assert readings.chance_level(np.arange(9) % 3) == pytest.approx(1 / 3)           # 3 classes present
    assert readings.chance_level(np.array([0, 0, 0, 1])) == pytest.approx(0.75)      # majority class
    import torch

    assert readings.chance_level(torch.tensor([4, 7])) == pytest.approx(0.5)


def test_filtering_and_hfc_readings_draw_no_conclusion_at_chance():
    f = FilteredAccuracy(bandwidths=[3, 15, 31], accuracy={"low": [0.0, 0.0, 0.0], "high": [0.33, 0.33, 0.33]},
                         clean_accuracy=0.0, n_images=9)
    text, numbers = readings.read_filtering(f, chance=1 / 3)
    assert numbers["bandwidth_for_90pct"] is None
    assert "at chance" in text and "keeps 90 %" not in text and "carry class information" not in text
    h = HFCAccuracy(radii=[4, 8, 12], clean_accuracy=float(np.float32(1 / 3)), lfc_accuracy=np.array([0.3, 0.3, 0.3]),
                    hfc_accuracy=np.array([0.9, 0.9, 0.9]), n_images=9, rescale="none", bn_eval="eval",
                    image_size=[3, 32, 32])
    text, _ = readings.read_hfc(h, chance=1 / 3)
    assert "at chance" in text and "uses high-frequency" not in text
    # above chance the conclusions still come: the same numbers with a 10 % chance
    text, numbers = readings.read_filtering(FilteredAccuracy(
        bandwidths=[3, 15], accuracy={"low": [0.2, 0.8], "high": [0.5, 0.1]}, clean_accuracy=0.85, n_images=9),
        chance=0.1)
    assert numbers["bandwidth_for_90pct"] == 15 and "carry class information" in text
