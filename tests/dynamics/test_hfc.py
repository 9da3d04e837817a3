import numpy as np
import pytest
import torch
from torch import nn

from freqlens.dynamics.hfc import HFCCurves, HFCTracker
from freqlens.errors import CheckpointError, InputError
from freqlens.probes.hfc import lfc_hfc_accuracy
from freqlens.train import fit


def _data(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    base = 0.2 + 0.6 * y.float()
    x = (base.view(-1, 1, 1, 1) + 0.05 * torch.randn(n, 3, 16, 16, generator=g)).clamp(0, 1)
    return x, y


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                         nn.Linear(16, 2))


def test_tracker_records_the_same_numbers_as_the_probe():
    x, y = _data()
    tr = HFCTracker(train=(x, y), test=(x[:32], y[:32]), radii=(2, 4), at_start=True, max_batch=16)
    net = _net()
    fit(net, (x, y), epochs=3, loss="cross_entropy", batch_size=8, callbacks=[tr], progress=False, lr=3e-2)
    cur = tr.result()
    assert list(cur.epochs) == [0, 1, 2, 3]
    assert cur.lfc_test.shape == (4, 2) and cur.hfc_train.shape == (4, 2)
    ref = lfc_hfc_accuracy(net, x[:32], y[:32], radii=(2, 4), max_batch=16, progress=False)
    assert np.allclose(cur.lfc_test[-1], ref.lfc_accuracy) and np.allclose(cur.hfc_test[-1], ref.hfc_accuracy)
    assert cur.clean_test[-1] == pytest.approx(ref.clean_accuracy)
    assert cur.clean_train[-1] > 0.8  # brightness task is learnt
    assert cur.seconds > 0


def test_tracker_survives_resume(tmp_path):
    x, y = _data()
    ck = tmp_path / "ck.pt"
    tr1 = HFCTracker(test=(x, y), radii=(4,), every=1)
    fit(_net(), (x, y), epochs=2, loss="cross_entropy", batch_size=16, callbacks=[tr1], checkpoint=ck,
        progress=False, lr=1e-2)
    tr2 = HFCTracker(test=(x, y), radii=(4,), every=1)
    fit(_net(), (x, y), epochs=4, loss="cross_entropy", batch_size=16, callbacks=[tr2], checkpoint=ck, resume=True,
        progress=False, lr=1e-2)
    full = HFCTracker(test=(x, y), radii=(4,), every=1)
    fit(_net(), (x, y), epochs=4, loss="cross_entropy", batch_size=16, callbacks=[full], progress=False, lr=1e-2)
    assert tr2.history["epochs"] == [1, 2, 3, 4]
    assert np.allclose(tr2.result().lfc_test, full.result().lfc_test)
    assert np.all(np.isnan(tr2.result().clean_train))
    # a tracker configured differently refuses the checkpointed history
    other = HFCTracker(test=(x, y), radii=(2,), every=1)
    with pytest.raises(CheckpointError, match="HFCTracker"):
        fit(_net(), (x, y), epochs=5, loss="cross_entropy", batch_size=16, callbacks=[other], checkpoint=ck,
            resume=True, progress=False, lr=1e-2)


def test_components_every_and_roundtrip(tmp_path):
    x, y = _data(32)
    tr = HFCTracker(train=(x, y), radii=(2, 4), every=2, components=("lfc",))
    fit(_net(), (x, y), epochs=3, loss="cross_entropy", batch_size=16, callbacks=[tr], progress=False)
    cur = tr.result()
    assert list(cur.epochs) == [2, 3]  # every 2 epochs and always the last
    assert np.all(np.isnan(cur.hfc_train)) and not np.any(np.isnan(cur.lfc_train))
    cur.save(tmp_path / "c.json")
    back = HFCCurves.load(tmp_path / "c.json")
    assert np.allclose(back.lfc_train, cur.lfc_train)
    fig, ax = back.plot(split="train")
    assert ax.get_xlabel() == "epoch"


def test_bad_tracker_arguments():
    x, y = _data(8)
    with pytest.raises(InputError, match="train="):
        HFCTracker()
    with pytest.raises(InputError, match="radius"):
        HFCTracker(test=(x, y), radii=(0,))
    with pytest.raises(InputError, match="half-diagonal"):
        HFCTracker(test=(x, y), radii=(12,))
    with pytest.raises(InputError, match="components"):
        HFCTracker(test=(x, y), components=("mid",))
    with pytest.raises(InputError, match="every"):
        HFCTracker(test=(x, y), every=0)
