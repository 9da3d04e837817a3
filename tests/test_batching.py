"""freqlens.batching: the memory budget, the per-image cost, the throughput tuner and OOM halving."""
import pytest
import torch
from torch import nn

from freqlens.batching import (
    BatchTuner,
    budget_batch,
    bytes_per_image,
    default_max_batch,
    halve_on_oom,
    memory_budget,
    parse_memory,
)
from freqlens.errors import InputError


def test_parse_memory_units_and_one_line_errors():
    assert parse_memory("2G") == 2 << 30 and parse_memory("1.5GiB") == 3 << 29 and parse_memory("64k") == 65536
    for bad in ("-1G", "lots", 0, "0M"):
        with pytest.raises(InputError, match="memory budget"):
            parse_memory(bad)


def test_cpu_default_budget_is_capped_and_env_overrides(monkeypatch):
    assert 0 < memory_budget("cpu") <= 2 << 30
    monkeypatch.setenv("FREQLENS_MEMORY_BUDGET", "300M")
    assert memory_budget("cpu") == 300 << 20


def test_batch_from_budget_counts_activations_and_input_copies():
    net = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU())
    x = torch.zeros(1, 3, 32, 32)
    # conv out + relu out + Sequential out (= relu out) : 3 × 16·32·32 floats, plus 4 input copies
    assert bytes_per_image(net, x) == 3 * 16 * 32 * 32 * 4 + 4 * 3 * 32 * 32 * 4
    b = default_max_batch(net, x, budget="64M")
    assert b * bytes_per_image(net, x) <= 64 << 20 < 2 * b * bytes_per_image(net, x)
    assert budget_batch(10, 5) == 1                      # never below one image


def test_224_default_batch_fits_a_4gib_process():
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(8, 10))
    b = default_max_batch(net, torch.zeros(1, 3, 224, 224))
    assert b * bytes_per_image(net, torch.zeros(1, 3, 224, 224)) <= 2 << 30


def test_tuner_times_each_candidate_once_then_keeps_the_fastest():
    t = BatchTuner(512, floor=64)
    assert t.candidates == [512, 256, 128, 64]
    per_image = {512: 3.0, 256: 1.0, 128: 2.0, 64: 2.5}
    seen = []
    while t.tuning:
        s = t.size()
        seen.append(s)
        t.record(s, 10, 10 * per_image[s])
    assert seen == [512, 256, 128, 64] and t.size() == 256
    assert BatchTuner(512, fixed=100).size() == 100 and not BatchTuner(512, fixed=100).tuning


def test_oom_halves_until_it_fits_and_other_errors_pass_through():
    calls = []

    def step(b):
        calls.append(b)
        if b > 8:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return b * 2

    assert halve_on_oom(step, 64) == (16, 8) and calls == [64, 32, 16, 8]

    def broken(b):
        raise ValueError("shape mismatch")

    with pytest.raises(ValueError):
        halve_on_oom(broken, 64)
