"""Plain-language readings of probe results, computed from their numbers (never canned text)."""
from __future__ import annotations

import numpy as np


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def chance_level(labels) -> float:
    """The accuracy of guessing on these labels: the larger of 1 / (number of classes present) and the rate of the
    most frequent class (always predicting it).

    Args:
        labels: (N,) integer class labels (tensor, array or list), N ≥ 1.

    Returns:
        The chance accuracy in (0, 1].

    Raises:
        ValueError: ``labels`` is empty.

    Source:
        freqlens.

    Example:
        >>> chance_level([0, 1, 2, 0, 1, 2])
        0.3333333333333333
        >>> chance_level([0, 0, 0, 1])
        0.75
    """
    y = np.asarray(labels.cpu() if hasattr(labels, "cpu") else labels).reshape(-1)
    if y.size == 0:
        raise ValueError("chance_level needs at least one label")
    _, counts = np.unique(y, return_counts=True)
    return float(max(1.0 / counts.size, counts.max() / y.size))


def read_heatmap(res, chance: float | None = None) -> tuple[str, dict]:
    """Reading of a Fourier heat map: where the error rises, by Chebyshev radius ρ = max(|f_u|, |f_v|)
    (other quantities: ``_read_quantity_map``).

    The map is averaged over square rings of ρ (``res.ring_means()``). The low band is ρ ≤ top/4 (at least the two
    lowest rings) and the high band ρ ≥ top/2, with top the largest ring; a band is called worse only when its mean
    error exceeds the other's by more than 5 points. Nothing is read into the map when the model is at chance on
    the clean images.

    Args:
        res: a :class:`~freqlens.probes.heatmap.HeatmapResult` (errors in %).
        chance: 1 / number of classes; with it, a clean error ≥ 100·(1 − chance) − 5 % gives the at-chance reading.

    Returns:
        ``(sentence, numbers)``: ``numbers`` has ``error_by_radius`` (%, per ring), ``clean_error``, ``max_error``,
        ``low_band_error``, ``high_band_error`` and, when the error rises by 5 points or more, ``half_rise_radius``
        (the first ring half-way from the clean to the largest error).

    Raises:
        Nothing of its own.

    Source:
        freqlens (reading of Yin et al. 2019's Fourier heat map).

    Example:
        >>> import numpy as np
        >>> from freqlens.probes.heatmap import HeatmapResult
        >>> u, v = np.meshgrid(np.arange(-4, 4), np.arange(-4, 4), indexing="ij")
        >>> err = np.where(np.maximum(abs(u), abs(v)) >= 3, 60.0, 10.0)
        >>> text, numbers = read_heatmap(HeatmapResult(error=err, eps=4.0, n_images=10, clean_error=10.0, bounds=None,
        ...                                            seed=0), chance=0.1)
        >>> numbers["error_by_radius"], numbers["half_rise_radius"]
        ([10.0, 10.0, 10.0, 60.0, 60.0], 3)
        >>> text.split(";")[0]
        'Error rises above frequency 3 of 4 (half-way from the clean 10 % to the largest 60 %)'
    """
    if (getattr(res, "quantity", "error") or "error") != "error":
        return _read_quantity_map(res, chance)
    profile = res.ring_means()
    top = profile.size - 1
    base, peak = float(res.clean_error), float(np.nanmax(profile))
    numbers = {"error_by_radius": profile.tolist(), "clean_error": base, "max_error": peak,
               "low_band_error": float(np.nanmean(profile[: max(2, top // 4 + 1)])),
               "high_band_error": float(np.nanmean(profile[top // 2:]))}
    if chance is not None and base >= 100 * (1 - chance) - 5:
        return (f"The model is at chance on these {res.n_images} clean images ({base:.0f} % error), so the map "
                "says nothing about its frequency sensitivity.", numbers)
    if peak - base < 5:
        return (f"Perturbations of norm {res.eps:g} barely change the error at any frequency (at most "
                f"{peak:.0f} % vs {base:.0f} % clean): the model is robust to single-frequency perturbations of "
                "this size.", numbers)
    half = base + 0.5 * (peak - base)
    rise = int(np.nanargmax(profile >= half))
    numbers["half_rise_radius"] = rise
    where = ("high" if rise > top / 2 else "middle" if rise > top / 4 else "low")
    reading = (f"Error rises above frequency {rise} of {top} (half-way from the clean {base:.0f} % to the "
               f"largest {peak:.0f} %); mean error {numbers['low_band_error']:.0f} % in the low band vs "
               f"{numbers['high_band_error']:.0f} % in the high band.")
    if numbers["high_band_error"] > numbers["low_band_error"] + 5:
        reading += " The model relies on high-frequency detail that a small perturbation can change."
    elif numbers["low_band_error"] > numbers["high_band_error"] + 5:
        reading += (f" It is most fragile at {where}-to-low frequencies and robust at high ones, as after "
                    "Gaussian augmentation or adversarial training.")
    return reading, numbers


def _read_quantity_map(res, chance: float | None = None) -> tuple[str, dict]:
    """A loss, logit-change or feature-change map: its mean in the low band against the high band."""
    from freqlens.probes.heatmap_quantities import parse_quantity

    q = parse_quantity(res.quantity)
    profile = res.ring_means()
    top = profile.size - 1
    low = float(np.nanmean(profile[: max(2, top // 4 + 1)]))
    high = float(np.nanmean(profile[top // 2:]))
    numbers = {"quantity": q.name, "value_by_radius": profile.tolist(), "clean_error": float(res.clean_error),
               "clean_value": res.clean_value, "max_value": float(np.nanmax(profile)), "low_band_value": low,
               "high_band_value": high, "peak_radius": int(np.nanargmax(profile))}
    if chance is not None and res.clean_error >= 100 * (1 - chance) - 5:
        return (f"The model is at chance on these {res.n_images} clean images ({res.clean_error:.0f} % error), so "
                f"the map of {q.label} says nothing about its frequency sensitivity.", numbers)
    clean = f" (clean images: {res.clean_value:.3g})" if q.kind == "loss" and res.clean_value is not None else ""
    reading = (f"Mean {q.label} under perturbations of norm {res.eps:g}: {low:.3g} in the low band vs {high:.3g} "
               f"in the high band{clean}; largest on ring {numbers['peak_radius']} of {top}.")
    if high > 1.25 * low:
        reading += " High-frequency perturbations move the model more than low-frequency ones."
    elif low > 1.25 * high:
        reading += " Low-frequency perturbations move the model more than high-frequency ones."
    return reading, numbers


def read_filtering(res, chance: float = 0.1) -> tuple[str, dict]:
    """Reading of filtered accuracy: the smallest low-pass bandwidth keeping 90 % of the clean accuracy, and the
    accuracy with only high frequencies (all but the narrowest low band), compared with chance.

    Args:
        res: a :class:`~freqlens.probes.filtering.FilteredAccuracy` (accuracies in [0, 1]).
        chance: the chance accuracy of the labels (:func:`chance_level`); high-pass accuracy above 2·chance is read
            as class information. A clean accuracy at or below chance gives the at-chance reading and no conclusion.

    Returns:
        ``(sentence, numbers)``: ``bandwidths``, ``low_pass_accuracy``, ``high_pass_accuracy``, ``clean_accuracy``
        and ``bandwidth_for_90pct`` (None when never reached or when the model is at chance).

    Raises:
        IndexError: ``res.bandwidths`` is empty.

    Source:
        freqlens (reading of Yin et al. 2019's filtering experiment).

    Example:
        >>> from freqlens.probes.filtering import FilteredAccuracy
        >>> r = FilteredAccuracy(bandwidths=[3, 15, 31], accuracy={"low": [0.3, 0.85, 0.9], "high": [0.5, 0.2, 0.1]},
        ...                      clean_accuracy=0.9, n_images=10)
        >>> text, numbers = read_filtering(r)
        >>> numbers["bandwidth_for_90pct"], text.split(";")[0]
        (15, 'Low-pass filtering keeps 90 % of the clean accuracy (90 %) once the 15×15 lowest frequencies are kept')
        >>> read_filtering(r, chance=0.9)[1]["bandwidth_for_90pct"] is None
        True
    """
    bw = list(res.bandwidths)
    low = np.asarray(res.accuracy.get("low", [np.nan] * len(bw)), dtype=float)
    high = np.asarray(res.accuracy.get("high", [np.nan] * len(bw)), dtype=float)
    clean = float(res.clean_accuracy)
    keep = np.nonzero(low >= 0.9 * clean)[0]
    numbers = {"bandwidths": bw, "low_pass_accuracy": low.tolist(), "high_pass_accuracy": high.tolist(),
               "clean_accuracy": clean, "bandwidth_for_90pct": None}
    if clean <= chance + 1e-6:   # float32 accuracies: 3/9 stored as 0.33333334
        return (f"The model is at chance on these clean images ({_pct(clean)} accuracy, chance {_pct(chance)}), so "
                "filtering says nothing about which frequencies it uses."), numbers
    if keep.size:
        needed = bw[int(keep[0])]
        numbers["bandwidth_for_90pct"] = needed
        reading = (f"Low-pass filtering keeps 90 % of the clean accuracy ({_pct(clean)}) once the "
                   f"{needed}×{needed} lowest frequencies are kept")
    else:
        reading = (f"Even the widest low-pass filter ({bw[-1]}×{bw[-1]}) loses more than 10 % of the clean "
                   f"accuracy ({_pct(clean)} → {_pct(low[-1])})")
    reading += (f"; with only high frequencies (all but the central {bw[0]}×{bw[0]}) accuracy is "
                f"{_pct(high[0])}" + (f", well above chance ({_pct(chance)}): high frequencies alone carry class "
                                      "information." if high[0] > 2 * chance else f" (chance {_pct(chance)})."))
    return reading, numbers


def read_noise(res, chance: float = 0.1) -> tuple[str, dict]:
    """Reading of band-limited noise: error under low-band and high-band Gaussian noise of the same ℓ2 norm at the
    bandwidth nearest max(3, largest/4).

    Which band "hurts most" is said only when the two errors differ by more than 5 points and the smaller one is
    below the at-chance error 100·(1 − chance) − 5 %; a model at chance on clean images gets no comparison.

    Args:
        res: a :class:`~freqlens.probes.noise.BandNoiseResult` (errors in %).
        chance: 1 / number of classes.

    Returns:
        ``(sentence, numbers)``: ``bandwidths``, ``low_band_error``, ``high_band_error``, ``full_band_error``,
        ``clean_error`` and ``norm``.

    Raises:
        IndexError: ``res.error`` lacks the "low" or "high" errors.

    Source:
        freqlens (reading of Yin et al. 2019's band-limited noise experiment).

    Example:
        >>> from freqlens.probes.noise import BandNoiseResult
        >>> r = BandNoiseResult(bandwidths=[4, 8, 16], error={"low": [20.0, 30.0, 40.0], "high": [10.0, 50.0, 60.0]},
        ...                     full_error=70.0, clean_error=5.0)
        >>> text, numbers = read_noise(r)
        >>> text.split(", ")[0], text.split(". ")[-1]
        ('Noise of norm 8: 20 % error when confined to the 4×4 lowest frequencies', 'Low-frequency noise hurts most.')
    """
    bw = list(res.bandwidths)
    low = np.asarray(res.error.get("low", []), dtype=float)
    high = np.asarray(res.error.get("high", []), dtype=float)
    i = min(range(len(bw)), key=lambda j: abs(bw[j] - max(3, bw[-1] // 4)))
    numbers = {"bandwidths": bw, "low_band_error": low.tolist(), "high_band_error": high.tolist(),
               "full_band_error": float(res.full_error), "clean_error": float(res.clean_error), "norm": res.norm}
    reading = (f"Noise of norm {res.norm:g}: {low[i]:.0f} % error when confined to the {bw[i]}×{bw[i]} lowest "
               f"frequencies, {high[i]:.0f} % when confined to the rest, {float(res.full_error):.0f} % unfiltered "
               f"(clean {float(res.clean_error):.0f} %).")
    at_chance = 100 * (1 - chance) - 5          # error at or above this: no better than guessing
    if float(res.clean_error) >= at_chance:
        reading += " The model is at chance on clean images, so the bands cannot be compared."
    elif min(low[i], high[i]) >= at_chance:
        reading += (f" Both bands leave the model at chance ({100 * (1 - chance):.0f} % error): this norm is too "
                    "large to tell which band hurts more.")
    elif high[i] > low[i] + 5:
        reading += " High-frequency noise hurts most."
    elif low[i] > high[i] + 5:
        reading += " Low-frequency noise hurts most."
    else:
        reading += " Both bands hurt about equally (within 5 points)."
    return reading, numbers


def read_hfc(res, chance: float = 0.1) -> tuple[str, dict]:
    """Reading of LFC/HFC accuracy: accuracy on each component at the middle radius, and the best accuracy from the
    high-frequency component alone against chance (above 2·chance: the model uses high-frequency components).

    Args:
        res: a :class:`~freqlens.probes.hfc.HFCAccuracy` (accuracies in [0, 1]; radii in cycles per image).
        chance: the chance accuracy of the labels (:func:`chance_level`); a clean accuracy at or below it gives the
            at-chance reading and no conclusion.

    Returns:
        ``(sentence, numbers)``: ``radii``, ``lfc_accuracy``, ``hfc_accuracy`` and ``clean_accuracy``.

    Raises:
        IndexError: ``res.radii`` is empty.

    Source:
        freqlens (reading of Wang et al. 2020, Sec. 3).

    Example:
        >>> import numpy as np
        >>> from freqlens.probes.hfc import HFCAccuracy
        >>> r = HFCAccuracy(radii=[4, 8, 12], clean_accuracy=0.9, lfc_accuracy=np.array([0.3, 0.7, 0.85]),
        ...                 hfc_accuracy=np.array([0.4, 0.2, 0.1]), n_images=10, rescale="none", bn_eval="eval",
        ...                 image_size=[3, 32, 32])
        >>> text, numbers = read_hfc(r)
        >>> text.split(" and ")[0]
        'At radius 8 the model keeps 70 % accuracy on the low-frequency component'
        >>> text.split(". ")[1].split(" —")[0]
        'Up to 40 % from the HFC alone (chance 10 %)'
    """
    radii = list(res.radii)
    lfc = np.asarray(res.lfc_accuracy, dtype=float)
    hfc = np.asarray(res.hfc_accuracy, dtype=float)
    numbers = {"radii": radii, "lfc_accuracy": lfc.tolist(), "hfc_accuracy": hfc.tolist(),
               "clean_accuracy": float(res.clean_accuracy)}
    if float(res.clean_accuracy) <= chance + 1e-6:
        return (f"The model is at chance on these clean images ({_pct(res.clean_accuracy)} accuracy, chance "
                f"{_pct(chance)}), so its low- and high-frequency components say nothing about what it uses."), numbers
    j = len(radii) // 2
    reading = (f"At radius {radii[j]:g} the model keeps {_pct(lfc[j])} accuracy on the low-frequency component "
               f"and {_pct(hfc[j])} on the high-frequency component alone (clean {_pct(res.clean_accuracy)}).")
    best = float(hfc.max())
    if best > 2 * chance:
        reading += (f" Up to {_pct(best)} from the HFC alone (chance {_pct(chance)}) — detail humans barely see: "
                    "the model uses high-frequency components (Wang et al.).")
    else:
        reading += f" The high-frequency components alone give at most {_pct(best)} (chance {_pct(chance)})."
    return reading, numbers


LOW_PASS, HIGH_PASS = 0.8, 1.25   # gain ratio thresholds: below attenuates high frequencies, above amplifies


def read_layers(res) -> tuple[str, dict]:
    """Reading of the per-layer frequency response: the high/low band energy-gain ratio of every layer (cumulative from
    the input), with the bands 0 < r ≤ max(H, W)/8 and r > 3·max(H, W)/8 (cycles per image), fitted to the computed
    window when there is one (:func:`~freqlens.probes.layers.default_bands`).

    A ratio below 0.8 (``LOW_PASS``) is called attenuating and above 1.25 (``HIGH_PASS``) amplifying — the same
    thresholds for the first layer and for the strongest low-pass point.

    Args:
        res: a :class:`~freqlens.probes.layers.LayerResponse`.

    Returns:
        ``(sentence, numbers)``: ``layers``, ``high_over_low_gain`` (one ratio per layer), ``bands`` and
        ``skipped_layers``.

    Raises:
        InputError: no computed frequency lies in the high band.

    Source:
        freqlens.

    Example:
        >>> import numpy as np
        >>> from freqlens.probes.layers import LayerResponse
        >>> rad = np.hypot(*np.meshgrid(np.arange(-4, 4), np.arange(-4, 4), indexing="ij"))
        >>> gain = np.stack([np.ones((8, 8)), np.where(rad > 3, 0.5, 1.0)])
        >>> r = LayerResponse(layer_names=["conv1", "conv2"], layer_types=["Conv2d"] * 2, gain=gain,
        ...                   gain_pairs=np.ones((2, 2)), positions=np.zeros((2, 2)), mode="basis", eps=1.0, n_images=1,
        ...                   image_size=[1, 8, 8])
        >>> text, numbers = read_layers(r)
        >>> numbers["high_over_low_gain"]
        [1.0, 0.5]
        >>> text.split("; ")[1]
        'the strongest low-pass point is conv2 (ratio 0.50, cumulative from the input).'
    """
    from freqlens.probes.layers import default_bands

    low, high = default_bands(res.image_size, getattr(res, "window", None))
    ratios = res.band_ratio(low=low, high=high)
    numbers = {"layers": list(res.layer_names), "high_over_low_gain": [float(r) for r in ratios],
               "bands": {"low": f"0 < r ≤ {low:g}", "high": f"r > {high:g}"},
               "skipped_layers": list(getattr(res, "skipped_layers", []) or [])}
    first = float(ratios[0])
    verb = "attenuates" if first < LOW_PASS else "amplifies" if first > HIGH_PASS else "passes about equally"
    reading = (f"The first layer ({res.layer_names[0]}) {verb} high frequencies relative to low ones "
               f"(gain ratio {first:.2f}); ")
    k = int(np.argmin(ratios))
    if float(ratios[k]) < LOW_PASS:
        reading += (f"the strongest low-pass point is {res.layer_names[k]} (ratio {float(ratios[k]):.2f}, "
                    "cumulative from the input).")
    else:
        reading += (f"no layer attenuates high frequencies by more than {100 * (1 - LOW_PASS):.0f} % "
                    f"(smallest ratio {float(ratios[k]):.2f}, {res.layer_names[k]}).")
    if numbers["skipped_layers"]:
        reading += f" {len(numbers['skipped_layers'])} layer(s) the model never calls were left out."
    return reading, numbers


def read_corruptions(rows: list[dict]) -> tuple[str, dict]:
    """Reading of corruption robustness: the worst corruption and the Pearson correlation between a corruption's
    high-frequency energy fraction and the accuracy under it (|r| > 0.3 is read as a direction).

    Args:
        rows: ``[{"name", "hf_fraction" (in [0, 1]), "accuracy" (in [0, 1])}, ...]``; the correlation needs at least
            three rows with varying values (NaN otherwise).

    Returns:
        ``(sentence, numbers)``: ``corruptions`` (the rows) and ``correlation_hf_fraction_accuracy``.

    Raises:
        ValueError: ``rows`` is empty.

    Source:
        freqlens (reading of Yin et al. 2019's corruption analysis).

    Example:
        >>> rows = [{"name": "fog", "hf_fraction": 0.1, "accuracy": 0.8}, {"name": "noise", "hf_fraction": 0.9,
        ...         "accuracy": 0.3}, {"name": "blur", "hf_fraction": 0.05, "accuracy": 0.85}]
        >>> text, numbers = read_corruptions(rows)
        >>> text.split(".")[0], round(numbers["correlation_hf_fraction_accuracy"], 3)
        ('Worst corruption: noise (30 % accuracy)', -1.0)
    """
    worst = min(rows, key=lambda r: r["accuracy"])
    hf = [r["hf_fraction"] for r in rows]
    acc = [r["accuracy"] for r in rows]
    corr = float(np.corrcoef(hf, acc)[0, 1]) if len(rows) > 2 and np.std(acc) > 0 and np.std(hf) > 0 else float("nan")
    reading = (f"Worst corruption: {worst['name']} ({_pct(worst['accuracy'])} accuracy). Correlation between a "
               f"corruption's high-frequency energy fraction and accuracy under it: {corr:.2f}"
               + (" — high-frequency corruptions hurt this model most." if corr < -0.3 else
                  " — low-frequency corruptions hurt this model most." if corr > 0.3 else "."))
    return reading, {"corruptions": rows, "correlation_hf_fraction_accuracy": corr}


def read_post_averaging(res) -> tuple[str, dict]:
    """Reading of the post-averaging trade-off: up to which radius the averaged model keeps the clean accuracy (a drop
    of more than 2 points counts), in the "random" sampling mode when present, else the first one.

    Args:
        res: a :class:`~freqlens.probes.defense.RadiusTradeoff` (accuracies in [0, 1]; radii in ``radius_space``
            units).

    Returns:
        ``(sentence, numbers)``: ``base_accuracy``, ``radii``, ``accuracy``, ``radius_space`` and ``n_directions``.

    Raises:
        Nothing of its own.

    Source:
        freqlens (reading of Lin et al. 2019's clean-accuracy trade-off).

    Example:
        >>> from freqlens.probes.defense import RadiusTradeoff
        >>> r = RadiusTradeoff(base_accuracy=0.9, default_radius=0.5, radius_space="pixel", n_directions=15,
        ...                    n_images=10, radii={"random": [0.25, 0.5, 1.0]}, accuracy={"random": [0.9, 0.85, 0.6]})
        >>> read_post_averaging(r)[0].split(", where")[0]
        'Averaging over a ball (ℓ2 radius in pixel units) keeps the clean accuracy (90 %) up to radius 0.5'
    """
    mode = "random" if "random" in res.accuracy else next(iter(res.accuracy))
    radii, acc = list(res.radii[mode]), list(res.accuracy[mode])
    base = float(res.base_accuracy)
    numbers = {"base_accuracy": base, "radii": radii, "accuracy": acc, "radius_space": res.radius_space,
               "n_directions": res.n_directions}
    drop = [(r, a) for r, a in zip(radii, acc) if a < base - 0.02]
    reading = f"Averaging over a ball (ℓ2 radius in {res.radius_space} units) keeps the clean accuracy ({_pct(base)}) "
    reading += (f"up to radius {drop[0][0]:g}, where it falls to {_pct(drop[0][1])}." if drop and drop[0][0] > radii[0]
                else f"only below radius {radii[0]:g}." if drop else f"up to radius {radii[-1]:g} ({_pct(acc[-1])}).")
    reading += (" Whether it buys robustness must be judged with an adaptive attack: "
                "`freqlens defend --eval both`.")
    return reading, numbers
