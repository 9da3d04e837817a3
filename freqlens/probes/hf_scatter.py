"""The robustness-change vs high-frequency-energy scatter of Yin et al. 2019 (Fig. 5): an ordinary least-squares line
through one point per corruption, its slope k, the Pearson correlation r and the RMS residual."""
from __future__ import annotations

import numpy as np

from freqlens.errors import InputError


def pearson(a, b) -> float:
    """Pearson correlation of two 1-D arrays; 0 when either is constant.

    Args:
        a, b: 1-D arrays of equal length ≥ 2.

    Returns:
        r in [−1, 1].

    Raises:
        InputError: lengths differ or fewer than 2 points.

    Source: Pearson 1895.

    Example:
        >>> pearson([0, 1, 2], [1, 3, 5])
        1.0
    """
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape or a.size < 2:
        raise InputError(f"need two arrays of equal length ≥ 2, got {a.size} and {b.size}")
    if np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def scatter_fit(hf_fraction, change) -> dict[str, float]:
    """OLS fit ``change = k · hf_fraction + b`` over corruptions (Yin et al. 2019, Fig. 5).

    Args:
        hf_fraction: (n,) fraction of high-frequency energy of each corruption, in [0, 1].
        change: (n,) accuracy change of a model vs the natural model on each corruption (points).

    Returns:
        dict with ``slope`` (k, points per unit fraction), ``intercept``, ``pearson_r`` and ``rms_residual``
        (points).

    Raises:
        InputError: lengths differ or fewer than 3 corruptions.

    Source: Yin et al. 2019, Fig. 5 (the paper's exact fit was not retrievable; OLS and Pearson r are freqlens's).

    Example:
        >>> fit = scatter_fit([0.1, 0.5, 0.9], [-2.0, 2.0, 6.0])
        >>> round(fit["slope"], 3), round(fit["pearson_r"], 3), round(fit["rms_residual"], 3)
        (10.0, 1.0, 0.0)
    """
    x, y = np.asarray(hf_fraction, dtype=float).ravel(), np.asarray(change, dtype=float).ravel()
    if x.shape != y.shape or x.size < 3:
        raise InputError(f"need one HF fraction and one change per corruption (≥ 3), got {x.size} and {y.size}")
    k, b = np.polyfit(x, y, 1)
    rms = float(np.sqrt(np.mean((y - (k * x + b)) ** 2)))
    return {"slope": float(k), "intercept": float(b), "pearson_r": pearson(x, y), "rms_residual": rms}


__all__ = ["pearson", "scatter_fit"]
