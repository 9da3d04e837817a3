"""freqlens.batching: the memory budget, the per-image cost, the throughput tuner and OOM halving."""
import numpy as np
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
    run_chunked,
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


def test_tuner_times_each_candidate_once_smallest_first_then_keeps_the_fastest():
    t = BatchTuner(512, floor=64)
    assert t.candidates == [64, 128, 256, 512]
    per_image = {512: 1.05, 256: 1.0, 128: 2.0, 64: 2.5}        # a GPU-like curve: larger is faster
    seen = []
    while t.tuning:
        s = t.size()
        seen.append(s)
        t.record(s, 10, 10 * per_image[s])
    assert seen == [64, 128, 256, 512] and t.size() == 256
    assert BatchTuner(512, fixed=100).size() == 100 and not BatchTuner(512, fixed=100).tuning


def test_tuner_stops_timing_once_a_larger_batch_is_slower_so_the_slowest_sizes_never_run():
    """A CPU-like curve (time per image rises past the caches): the largest candidates are not run at all."""
    t = BatchTuner(1024, floor=16)
    per_image = {128: 1.0, 256: 1.02, 512: 1.6, 1024: 2.0}
    seen = []
    while t.tuning:
        s = t.size()
        seen.append(s)
        t.record(s, s, s * per_image[s])
    assert seen == [128, 256, 512] and t.size() == 128
    for _ in range(3):
        s = t.size()
        t.record(s, s, 1.0)                                   # after tuning, records change nothing
    assert t.size() == 128


def test_tuner_out_of_memory_drops_the_size_and_every_larger_one_and_times_the_half():
    t = BatchTuner(1024, floor=16)                            # 128, 256, 512, 1024
    for s in (128, 256):
        t.record(s, s, s * 1.0)
    t.shrink(512)                                             # 512 ran out of memory
    assert t.candidates == [128, 256] and not t.tuning and t.size() in (128, 256)
    t = BatchTuner(64, floor=64)                              # one candidate
    t.shrink(64)
    assert t.candidates == [32] and t.tuning and t.size() == 32


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


def _tiny():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                        nn.Linear(16, 3))
    g = torch.Generator().manual_seed(1)
    return net, torch.rand(140, 3, 8, 8, generator=g), torch.randint(0, 3, (140,), generator=g)


def _runs():
    from freqlens.interventions.post_averaging import PostAveraged, averaged_predictions
    from freqlens.probes.filtering import filtered_accuracy
    from freqlens.probes.hfc import lfc_hfc_accuracy
    from freqlens.probes.layers import layer_frequency_response
    from freqlens.probes.noise import bandlimited_noise_error

    return {
        # name: (run with a given max_batch, forward passes of the whole run, the numbers to compare)
        "band-limited noise": (lambda m, x, y, b, p: bandlimited_noise_error(m, x, y, bandwidths=[1, 3], norm=1.0,
                                                                             max_batch=b, progress=p),
                               140 * (1 + 5), lambda r: (r.error, r.clean_error, r.full_error)),
        "filtered accuracy": (lambda m, x, y, b, p: filtered_accuracy(m, x, y, bandwidths=[1, 3], max_batch=b,
                                                                      progress=p),
                              140 * (1 + 4), lambda r: (r.accuracy, r.clean_accuracy)),
        "LFC/HFC accuracy": (lambda m, x, y, b, p: lfc_hfc_accuracy(m, x, y, radii=[2, 3], max_batch=b, progress=p),
                             140 * (1 + 4), lambda r: (r.lfc_accuracy.tolist(), r.hfc_accuracy.tolist())),
        "layer response (basis)": (lambda m, x, y, b, p: layer_frequency_response(
            m, image_size=(3, 8, 8), max_batch=b, progress=p, distributed=False), 34,
            lambda r: np.round(r.gain_pairs, 10).tolist()),
        "post-averaged inference": (lambda m, x, y, b, p: averaged_predictions(
            PostAveraged(m, 0.5, n_directions=2, radius_space="input", max_batch=b), x, progress=p, chunk_images=8),
            140 * 13, lambda r: r.tolist()),
    }


@pytest.mark.parametrize("name", list(_runs()))
def test_every_probe_announces_its_forward_passes_with_an_eta_and_its_numbers_do_not_depend_on_the_batch(name, capsys):
    """Issue 18: before a long run, the number of forward passes and an ETA measured on the first chunk — one line
    from the shared RunAnnouncer; and max_batch=None (budget + timed candidates) gives the numbers of a fixed batch."""
    run, passes, numbers = _runs()[name]   # 140 images: the noise probe works in whole blocks of 64
    net, x, y = _tiny()
    small = run(net, x, y, 8, True)
    err = capsys.readouterr().err
    assert f"{name}: {passes:,} forward passes to run, ETA" in err
    auto = run(net, x, y, None, False)
    assert numbers(auto) == numbers(small)
    assert "forward passes to run" not in capsys.readouterr().err      # progress=False: silent


def test_run_chunked_halves_on_oom_and_commits_each_item_once():
    done = []

    def work(start, size):
        if size > 4:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return min(size, 10 - start), list(range(start, min(start + size, 10)))

    tuner = run_chunked(10, work, lambda s, c, v: done.extend(v), limit=16)
    assert done == list(range(10)) and tuner.size() <= 4


class _OOMAbove(nn.Module):
    """Raises CUDA's out-of-memory error on batches larger than ``limit`` (a device that is too small)."""

    def __init__(self, inner, limit):
        super().__init__()
        self.inner, self.limit = inner, limit

    def forward(self, x):
        if x.shape[0] > self.limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return self.inner(x)


@pytest.mark.parametrize("name", list(_runs()))
def test_every_probe_halves_its_batch_on_out_of_memory_and_keeps_its_numbers(name):
    run, _, numbers = _runs()[name]
    net, x, y = _tiny()
    ref = run(net, x, y, 8, False)
    assert numbers(run(_OOMAbove(net, 20), x, y, 64, False)) == numbers(ref)
