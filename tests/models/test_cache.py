"""freqlens/models/cache.py: train once and reuse, keyed by configuration and architecture; weight files that do not
fit are refused in one line (the cache's refusal of replaced weights is tested in tests/test_fingerprint.py)."""
import pytest
import torch
from torch import nn

from freqlens.errors import CheckpointError
from freqlens.models.cache import cached_model, config_key, load_weights, save_weights, unwrap_state_dict


def test_config_key_is_short_and_independent_of_key_order():
    assert config_key({"a": 1, "b": [1, 2]}) == config_key({"b": [1, 2], "a": 1})
    assert config_key({"a": 1}) != config_key({"a": 2})
    assert len(config_key({})) == 16 and int(config_key({}), 16) >= 0


def test_cached_model_trains_once_per_configuration_and_deletes_its_checkpoint(tmp_path):
    calls = []

    def train(model, ckpt):
        calls.append(ckpt)
        ckpt.write_bytes(b"partial")              # what an interrupted fit would leave
        with torch.no_grad():
            model.weight.fill_(0.5)

    build = lambda: nn.Linear(2, 1)  # noqa: E731
    m1 = cached_model(build, train, {"name": "lin", "epochs": 1}, tmp_path)
    m2 = cached_model(build, train, {"name": "lin", "epochs": 1}, tmp_path)
    assert len(calls) == 1 and torch.equal(m2.weight, torch.full((1, 2), 0.5)) and m1 is not m2
    assert not calls[0].exists()                  # the training checkpoint is removed once weights are cached
    cached_model(build, train, {"name": "lin", "epochs": 2}, tmp_path)
    assert len(calls) == 2 and len(list(tmp_path.glob("lin-*.pt"))) == 2


def test_weights_that_do_not_fit_are_refused_naming_the_keys(tmp_path):
    p = save_weights(nn.Linear(2, 3), tmp_path / "w.pt")
    expected = r"shape mismatches: bias \(3,\) in the file vs \(4,\) in the model; weight \(3, 2\)"
    with pytest.raises(CheckpointError, match=expected) as info:
        load_weights(nn.Linear(2, 4), p)
    assert "\n" not in str(info.value)
    expected = "missing keys: 0.bias, 0.weight, 1.bias, 1.weight; unexpected keys: bias, weight"
    with pytest.raises(CheckpointError, match=expected):
        load_weights(nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)), p)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_weights(nn.Linear(2, 3), tmp_path / "none.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="corrupt"):
        load_weights(nn.Linear(2, 3), tmp_path / "junk.pt")


def test_unwrap_state_dict_handles_wrappers_and_prefixes():
    m = nn.Linear(2, 2)
    keys = m.state_dict().keys()
    wrapped = {"state_dict": {f"module.{k}": v for k, v in m.state_dict().items()}, "epoch": 3}
    assert sorted(unwrap_state_dict(wrapped, keys)) == ["bias", "weight"]
    assert sorted(unwrap_state_dict({"model": m.state_dict()}, keys)) == ["bias", "weight"]
    with pytest.raises(CheckpointError, match="no state dict found"):
        unwrap_state_dict({"epoch": 3}, keys)


def test_a_whole_pickled_model_as_weights_is_named_as_such_in_one_line(tmp_path):
    from torch import nn

    from freqlens.errors import CheckpointError
    from freqlens.models.cache import load_weights

    path = tmp_path / "whole.pt"
    torch.save(nn.Linear(2, 2), path)
    with pytest.raises(CheckpointError, match="holds a pickled object") as info:
        load_weights(nn.Linear(2, 2), path)
    assert "\n" not in str(info.value) and "\x1b" not in str(info.value) and "state_dict()" in str(info.value)


def test_a_second_process_waits_for_the_model_another_is_training_and_then_loads_it(tmp_path):
    """The per-entry lock of cached_model: two concurrent callers (threads stand in for the worker processes of
    `reproduce --all --jobs 2`; flock locks each open file, so they exclude each other too) train once."""
    import threading
    import time

    import torch

    from freqlens.models.cache import cached_model

    calls = []

    def train(model, ckpt):
        calls.append(time.perf_counter())
        time.sleep(0.5)                    # long enough for the second caller to arrive while this one trains
        torch.nn.init.constant_(model.weight, 3.0)

    results = []

    def call():
        m = cached_model(lambda: torch.nn.Linear(2, 1), train, {"name": "locked", "epochs": 1}, tmp_path)
        results.append(float(m.weight.sum()))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
        time.sleep(0.1)
    for t in threads:
        t.join()
    assert len(calls) == 1 and results == [6.0, 6.0]
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".lock", ".pt"]
