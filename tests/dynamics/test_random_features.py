"""Trained random-feature model on the circle: the measured order flips at k* for the rise-then-fall spectrum and
does not for the Gaussian null."""
import math

import pytest
import torch

from freqlens.dynamics.random_features import RandomFeatureCircle, circle_feature, train_random_features
from freqlens.errors import InputError

pytestmark = pytest.mark.usefixtures("one_thread")


def test_feature_spectra_have_the_claimed_shapes():
    n, h = 256, 0.5
    phi = 2 * math.pi * torch.arange(n, dtype=torch.float64) / n
    for feature, peak in (("dgauss", 3), ("gauss", 0)):
        power = torch.fft.rfft(circle_feature(phi, h, feature)).abs() ** 2
        assert int(power[:10].argmax()) == peak  # k² e^{−h²k²/2} peaks at √2/h ≈ 2.83; the Gaussian at 0


def test_trained_dgauss_model_flips_order_at_k_star_and_gaussian_null_does_not():
    trained = train_random_features([1, 2, 3, 5, 8], 0.5, n=64, n_features=400, seed=0)
    null = train_random_features([1, 2, 3, 5, 8], 0.5, n=64, n_features=400, feature="gauss", seed=0,
                                 steps=int(trained.steps[-1]))
    assert trained.regime_orders() == {"reversed_below": True, "fprinciple_above": True}
    assert null.regime_orders()["reversed_below"] is False
    assert trained.times[0] > trained.times[1] and null.times[0] < null.times[1]


def test_model_starts_at_zero_and_bad_arguments_are_refused():
    assert float(RandomFeatureCircle(10, 0.5)(torch.zeros(4, 1)).detach().abs().sum()) == 0.0
    with pytest.raises(InputError, match="feature"):
        RandomFeatureCircle(10, 0.5, feature="box")
    with pytest.raises(InputError, match="modes"):
        train_random_features([40], 0.5, n=64)
