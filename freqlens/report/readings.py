"""Plain-language readings of probe results, computed from their numbers (never canned text)."""
from __future__ import annotations

import numpy as np


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def read_heatmap(res, chance: float | None = None) -> tuple[str, dict]:
    """Where the error (or another quantity) under Fourier-basis perturbations rises, in Chebyshev radius
    ρ = max(|f_u|, |f_v|). Nothing is read into the map when the model is at chance on the clean images
    (``chance`` = 1 / classes)."""
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
    """How much of the clean accuracy survives low-pass and high-pass filtering."""
    bw = list(res.bandwidths)
    low = np.asarray(res.accuracy.get("low", [np.nan] * len(bw)), dtype=float)
    high = np.asarray(res.accuracy.get("high", [np.nan] * len(bw)), dtype=float)
    clean = float(res.clean_accuracy)
    keep = np.nonzero(low >= 0.9 * clean)[0]
    numbers = {"bandwidths": bw, "low_pass_accuracy": low.tolist(), "high_pass_accuracy": high.tolist(),
               "clean_accuracy": clean}
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
    """Low-band vs high-band Gaussian noise of the same ℓ2 norm. Which band "hurts most" is said only when the
    two errors differ by more than 5 points and the smaller one is still clearly below chance-level error."""
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
    """Accuracy on low- and high-frequency components by radius (``chance`` = 1 / classes)."""
    radii = list(res.radii)
    lfc = np.asarray(res.lfc_accuracy, dtype=float)
    hfc = np.asarray(res.hfc_accuracy, dtype=float)
    numbers = {"radii": radii, "lfc_accuracy": lfc.tolist(), "hfc_accuracy": hfc.tolist(),
               "clean_accuracy": float(res.clean_accuracy)}
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
    """Per-layer high/low band energy-gain ratio (cumulative from the input). A layer is called low-pass only when
    its ratio is below 0.8 — the same threshold for the first layer and for the strongest one."""
    h, w = res.image_size[-2:]
    high = max(h, w) * 3 / 8
    ratios = res.band_ratio(low=max(h, w) / 8, high=high)
    numbers = {"layers": list(res.layer_names), "high_over_low_gain": [float(r) for r in ratios],
               "bands": {"low": f"0 < r ≤ {max(h, w) / 8:g}", "high": f"r > {high:g}"},
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
    """Accuracy under corruptions against their high-frequency energy fraction."""
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
    """Clean accuracy of the post-averaged model against the averaging radius."""
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
