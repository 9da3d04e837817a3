import math

import numpy as np
import pytest
import torch

from freqlens.data import gaussian_projection_data, sinusoid_target_1d
from freqlens.dynamics import FilteringHistory, FilteringTracker, ProjectionResult, ProjectionTracker, choose_delta
from freqlens.errors import InputError, ModelOutputError
from freqlens.models import MLP
from freqlens.train import fit


def test_low_peak_converges_before_high_peak_on_1d_target(tmp_path):
    data = sinusoid_target_1d(200, (1, 3, 5))
    torch.manual_seed(0)
    model = MLP(1, 1, width=100, depth=2, activation="tanh")
    tracker = ProjectionTracker(data.x, data.y, direction=[1.0], freqs=torch.arange(40) / (2 * math.pi), every=10)
    fit(model, (data.x, data.y), 1200, lr=1e-3, callbacks=[tracker], progress=False)
    res = tracker.result()
    # the peaks are found automatically at DFT bins 1, 3, 5 (ordinary frequency j / 2π)
    assert np.allclose(np.array(res.peak_freqs) * 2 * math.pi, [1, 3, 5])
    t1, t3, t5 = res.converged_epochs(0.1)
    assert t1 is not None and t3 is not None
    assert t1 < t3 and (t5 is None or t3 < t5)
    res.save(tmp_path / "fp.json")
    back = ProjectionResult.load(tmp_path / "fp.json")
    assert np.array_equal(back.deltas, res.deltas) and back.epochs == res.epochs


def test_projection_on_high_dimensional_stand_in():
    # the synthetic stand-in, quick size: n = 500, d = 16, peaks near κ = 0.2, 0.6, 1.0 along the first principal
    # direction
    x, y = gaussian_projection_data(n=500, dim=16, seed=0)
    torch.manual_seed(0)
    model = MLP(16, 1, widths=[200, 100], activation="tanh")
    tracker = ProjectionTracker(x, y, peaks=[0.2, 1.0], every=10)
    assert abs(float(tracker.direction[0])) > 0.95
    fit(model, (x, y), 1500, lr=1e-3, callbacks=[tracker], progress=False)
    t_low, t_high = tracker.result().converged_epochs(0.2)
    assert t_low is not None
    assert t_high is None or t_low < t_high


def _filter_setup(n=300, seed=0):
    x, _ = gaussian_projection_data(n=n, dim=64, seed=seed)
    x1 = x[:, 0]
    cls = (torch.sin(2 * math.pi * 0.2 * x1) + 0.5 * torch.sin(2 * math.pi * 1.2 * x1) > 0).long()
    return x, cls


def test_filtering_low_part_is_fitted_first():
    x, y = _filter_setup()
    delta = choose_delta(x, y)
    torch.manual_seed(0)
    model = MLP(64, 2, width=200, depth=1, activation="tanh")
    tracker = FilteringTracker(x, y, [delta], every=10)
    assert 0.15 < tracker.high_fraction[0] < 0.6
    fit(model, (x, y), 800, lr=1e-3, callbacks=[tracker], progress=False)
    res = tracker.result()
    first = res.first_below(0.2)
    assert first["low"][0] is not None
    assert first["high"][0] is None or first["low"][0] < first["high"][0]
    half = len(res.epochs) // 2
    assert float(np.mean(res.e_high[1:half, 0] - res.e_low[1:half, 0])) > 0.1


def test_filtering_state_roundtrip_and_result_io(tmp_path):
    x, y = _filter_setup(100)
    tracker = FilteringTracker(x, y, [5.0, 50.0])
    model = MLP(64, 2, width=8, depth=1)
    tracker.record(model, 0)
    other = FilteringTracker(x, y, [5.0, 50.0])
    other.load_state_dict(tracker.state_dict())
    res = other.result()
    res.save(tmp_path / "f.json")
    assert FilteringHistory.load(tmp_path / "f.json").deltas == [5.0, 50.0]
    fig, ax = res.plot()
    assert ax.get_xlabel() == "epoch"


def test_bad_inputs():
    x, y = _filter_setup(50)
    with pytest.raises(InputError, match="samples"):
        FilteringTracker(x, y[:-1], [1.0])
    with pytest.raises(InputError, match="delta"):
        FilteringTracker(x, y, [0.0])
    with pytest.raises(InputError, match="NaN"):
        bad = x.clone()
        bad[3, 3] = float("nan")
        ProjectionTracker(bad, y)
    with pytest.raises(InputError, match="shape"):
        ProjectionTracker(x, torch.zeros(50, 2, 2))
    with pytest.raises(ModelOutputError, match="column"):
        FilteringTracker(x, y, [5.0])(MLP(64, 3, width=4, depth=1))
    with pytest.raises(InputError, match="high-frequency"):
        FilteringTracker(x, torch.ones(50, 1), [5.0])


def test_trackers_take_float64_inputs_into_a_float32_model():
    from freqlens.dynamics.fprinciple import FilteringTracker, ProjectionTracker

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    x = torch.rand(40, 3, dtype=torch.float64)
    y = torch.rand(40, 2, dtype=torch.float64)
    for tracker in (ProjectionTracker(x, y), FilteringTracker(x, y, [0.5])):
        tracker.record(model, 0)
        assert len(tracker.recorded()) == 1
