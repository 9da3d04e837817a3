"""The README's tracker example on a cross-entropy MNIST classifier gives sensible numbers (issue 16)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from freqlens.dynamics import FilteringTracker, ProjectionTracker
from freqlens.errors import InputError
from freqlens.train import fit


@pytest.fixture(scope="module")
def mnist(data_root):
    from freqlens.data import load_mnist

    x, y = load_mnist(data_root, train=True, limit=5000)
    return x, y


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def test_filtering_tracker_on_a_cross_entropy_classifier_is_sensible(mnist):
    x, y = mnist[0][:2000], mnist[1][:2000]
    model = _mlp()
    trackers = [FilteringTracker(x, y, deltas=[3.0])]
    fit(model, (x, y), epochs=6, loss="cross_entropy", batch_size=100, lr=1e-3, callbacks=trackers, progress=False)
    tr = trackers[0]
    assert tr.output_transform == "softmax"                       # the loss decided inside fit
    low, high = tr.e_low[-1][0], tr.e_high[-1][0]
    # F-Principle: the low-frequency part is fitted first and better; errors are relative (≤ ~1 when sensible)
    assert low < high <= 1.5 and low < 0.5
    assert tr.e_low[-1][0] < tr.e_low[0][0]
    # outside fit, "auto" sees integer labels and logits: the same numbers
    outside = FilteringTracker(x, y, deltas=[3.0])(model)
    assert outside["e_low"][0] == pytest.approx(low, rel=1e-5) and outside["e_high"][0] == pytest.approx(high, rel=1e-5)
    # raw logits against one-hot targets are not comparable: the old default gave e_low > e_high
    raw = FilteringTracker(x, y, deltas=[3.0], output_transform=None)(model)
    assert raw["e_low"][0] > 1.0


def test_projection_tracker_finds_peaks_on_5000_mnist_images(mnist):
    x, y = mnist
    tr = ProjectionTracker(x, y)
    assert 1 <= len(tr.peak_freqs) <= 4 and float(tr.peak_freqs.min()) > 0
    d = tr(_mlp())
    assert d.shape == (len(tr.peak_freqs),) and torch.isfinite(torch.as_tensor(d)).all()


def test_projection_tracker_without_a_peak_says_exactly_what_to_pass():
    x = torch.linspace(0, 1, 200)[:, None]
    y = (x[:, 0] > 0.5).long()                                   # a step: |ŷ| only decreases on a short grid
    expected = r"pass peaks=\[[0-9.e-]+(, [0-9.e-]+)?\] .*or a wider grid freqs=torch\.linspace"
    with pytest.raises(InputError, match=expected):
        ProjectionTracker(x, y, freqs=torch.linspace(0, 0.5, 50))
