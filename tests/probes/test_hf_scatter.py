"""The robustness-vs-HF-energy fit (Yin et al. 2019, Fig. 5)."""
import numpy as np
import pytest

from freqlens.errors import InputError
from freqlens.probes.hf_scatter import pearson, scatter_fit


def test_scatter_fit_recovers_a_line_and_its_sign():
    x = np.linspace(0, 1, 10)
    fit = scatter_fit(x, 20 * x - 5)
    assert fit["slope"] == pytest.approx(20) and fit["intercept"] == pytest.approx(-5)
    assert fit["pearson_r"] == pytest.approx(1) and fit["rms_residual"] == pytest.approx(0, abs=1e-9)
    assert scatter_fit(x, -x)["pearson_r"] == pytest.approx(-1)
    assert pearson(x, np.ones(10)) == 0.0
    with pytest.raises(InputError):
        scatter_fit([0.1, 0.2], [1.0, 2.0])
