"""Spec B2: the Fourier heat map — exact analytic check, symmetry, batching invariance, checkpoint/resume,
torch.distributed sharding (2 CPU processes via torchrun), and every bad input."""
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torchrun_helper import failure_text, run_torchrun

from freqlens.errors import CheckpointError, InputError, ModelOutputError
from freqlens.fourier.basis import fourier_basis, mirror_position, unique_positions
from freqlens.probes.heatmap import HeatmapResult, basis_signs, fourier_heatmap

ROOT = Path(__file__).resolve().parents[2]


class LinearScore(nn.Module):
    """Two-class logits (s, −s) with s = <w, x> + b on one-channel images."""

    def __init__(self, w: torch.Tensor, b: float):
        super().__init__()
        self.w = nn.Parameter(w.clone())
        self.b = b

    def forward(self, x):
        s = (x[:, 0] * self.w).sum(dim=(-2, -1)) + self.b
        return torch.stack([s, -s], 1)


def tiny_cnn(channels=3, classes=4, seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(channels, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
                         nn.Flatten(), nn.Linear(24, classes))


def tiny_data(n=24, c=3, h=8, w=8, classes=4, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, c, h, w, generator=g), torch.randint(0, classes, (n,), generator=g)


@pytest.mark.parametrize("size", [(8, 8), (7, 9)])
def test_linear_model_errs_exactly_at_its_own_frequency_pair(size):
    # The score moves by ±eps only under the basis it is built from (orthonormal basis); margin eps/2 means
    # exactly the images whose sign is −1 flip, and nothing flips anywhere else.
    h, w = size
    pos = unique_positions(h, w)
    k = 5
    a, b = pos[k].tolist()
    weight = fourier_basis(h, w, pos[k:k + 1])[0]
    eps = 1.0
    model = LinearScore(weight, eps / 2)
    n = 200
    x = torch.full((n, 1, h, w), 0.5)
    y = torch.zeros(n, dtype=torch.long)
    res = fourier_heatmap(model, x, y, eps=eps, seed=3, progress=False)
    expected = 100.0 * float((basis_signs(3, k, n, 1) < 0).float().mean())
    ma, mb = mirror_position(a, b, h, w)
    assert res.error[a, b] == pytest.approx(expected) and res.error[ma, mb] == pytest.approx(expected)
    assert 30 < expected < 70
    other = np.ones((h, w), bool)
    other[a, b] = other[ma, mb] = False
    assert np.all(res.error[other] == 0.0)
    assert res.clean_error == 0.0


def test_map_is_mirror_symmetric_and_invariant_to_batching_and_restores_modes():
    model = tiny_cnn()
    model.train()
    x, y = tiny_data()
    r1 = fourier_heatmap(model, x, y, eps=2.0, max_batch=4096, progress=False)
    r2 = fourier_heatmap(model, x, y, eps=2.0, max_batch=7, progress=False)
    assert model.training and model[1].training
    np.testing.assert_array_equal(r1.error, r2.error)
    h, w = r1.error.shape
    for p in range(h):
        for q in range(w):
            assert r1.error[p, q] == r1.error[mirror_position(p, q, h, w)]
    assert not np.isnan(r1.error).any() and r1.error.shape == (8, 8)


def test_perturbation_is_added_before_normalize():
    # normalize as a callable == the same normalisation inside the model (perturbation in input space)
    core = tiny_cnn()
    x, y = tiny_data()
    mean, std = 0.4, 0.2
    inside = nn.Sequential(_Affine(mean, std), core)
    r_in = fourier_heatmap(inside, x, y, eps=2.0, progress=False)
    r_call = fourier_heatmap(core, x, y, eps=2.0, normalize=lambda t: (t - mean) / std, progress=False)
    np.testing.assert_array_equal(r_in.error, r_call.error)


class _Affine(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean, self.std = mean, std

    def forward(self, x):
        return (x - self.mean) / self.std


def test_dataloader_input_window_and_save_load(tmp_path):
    model = tiny_cnn()
    x, y = tiny_data()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=5)
    r = fourier_heatmap(model, loader, eps=2.0, window=2, progress=False)
    full = fourier_heatmap(model, x, y, eps=2.0, progress=False)
    # stored at the window's size (5 × 5, axes −2 … 2), no NaN, equal to the centre of the full map
    assert r.error.shape == (5, 5) and np.isfinite(r.error).all()
    assert r.frequencies[0].tolist() == [-2, -1, 0, 1, 2] and r.image_size == [8, 8]
    c = full.error.shape[0] // 2
    np.testing.assert_array_equal(r.error, full.error[c - 2:c + 3, c - 2:c + 3])
    r.save(tmp_path / "hm.json")
    back = HeatmapResult.load(tmp_path / "hm.json")
    np.testing.assert_array_equal(back.error, r.error)
    assert back.band_mean(0, 1) == r.band_mean(0, 1)


class StopAfter(nn.Module):
    """Raises KeyboardInterrupt on the ``calls``-th forward (a simulated interruption)."""

    def __init__(self, inner, calls):
        super().__init__()
        self.inner, self.calls, self.count = inner, calls, 0

    def forward(self, x):
        self.count += 1
        if self.count == self.calls:
            raise KeyboardInterrupt
        return self.inner(x)


def test_interrupted_run_resumes_to_the_same_map(tmp_path):
    x, y = tiny_data()
    model = tiny_cnn()
    ref = fourier_heatmap(model, x, y, eps=2.0, max_batch=24 * 4, progress=False)
    ckpt = tmp_path / "hm.ckpt"
    wrapped = StopAfter(model, calls=5)
    with pytest.raises(KeyboardInterrupt):
        fourier_heatmap(wrapped, x, y, eps=2.0, max_batch=24 * 4, checkpoint=ckpt, progress=False)
    state = torch.load(ckpt, weights_only=True)
    assert 0 < int(state["done"].sum()) < state["done"].numel()
    wrapped.calls = -1
    wrapped.count = 0
    resumed = fourier_heatmap(wrapped, x, y, eps=2.0, max_batch=24 * 4, checkpoint=ckpt, progress=False)
    np.testing.assert_array_equal(resumed.error, ref.error)
    # only the remaining bases were evaluated (+ the clean passes)
    remaining = state["done"].numel() - int(state["done"].sum())
    assert wrapped.count <= 2 + -(-remaining // 4)


def test_checkpoint_from_another_configuration_is_refused(tmp_path):
    x, y = tiny_data()
    model = tiny_cnn()
    ckpt = tmp_path / "hm.ckpt"
    fourier_heatmap(model, x, y, eps=2.0, checkpoint=ckpt, progress=False)
    with pytest.raises(CheckpointError, match="eps"):
        fourier_heatmap(model, x, y, eps=3.0, checkpoint=ckpt, progress=False)
    with pytest.raises(CheckpointError, match="model"):
        fourier_heatmap(tiny_cnn(seed=5), x, y, eps=2.0, checkpoint=ckpt, progress=False)


def test_bad_inputs_give_one_line_errors():
    model = tiny_cnn()
    x, y = tiny_data()
    cases = [
        (InputError, "outside bounds", dict(images=x * 2 + 0.5, labels=y)),
        (InputError, "rank", dict(images=x[0], labels=y)),
        (InputError, "cannot take images", dict(images=x[:, :1], labels=y)),
        (ModelOutputError, "classes but a label", dict(images=x, labels=y + 10)),
        (InputError, "non-negative", dict(images=x, labels=y - 10)),
        (InputError, "eps must be", dict(images=x, labels=y, eps=0.0)),
        (InputError, "eps must be", dict(images=x, labels=y, eps=-1.0)),
    ]
    for err, msg, kw in cases:
        kw.setdefault("eps", 2.0)
        with pytest.raises(err, match=msg) as info:
            fourier_heatmap(model, progress=False, **kw)
        assert "\n" not in str(info.value)
    flat_model = nn.Sequential(nn.Conv2d(3, 2, 3))  # output (N, 2, 6, 6), not (N, classes)
    with pytest.raises(ModelOutputError, match=r"expected \(N, classes\)"):
        fourier_heatmap(flat_model, x, y, eps=2.0, progress=False)


DIST_SCRIPT = textwrap.dedent('''
    import sys, numpy as np, torch
    from torch import nn
    from freqlens.probes.heatmap import fourier_heatmap
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                          nn.Linear(24, 4))
    g = torch.Generator().manual_seed(1)
    x, y = torch.rand(24, 3, 8, 8, generator=g), torch.randint(0, 4, (24,), generator=g)
    res = fourier_heatmap(model, x, y, eps=2.0, max_batch=50, progress=False, checkpoint=sys.argv[2])
    import os
    np.save(sys.argv[1] + f".rank{os.environ.get('RANK', '0')}.npy", res.error)
    loss = fourier_heatmap(model, x, y, eps=2.0, max_batch=50, progress=False, quantity="loss", per_class=True,
                           window=2)
    np.save(sys.argv[1] + f".loss.rank{os.environ.get('RANK', '0')}.npy", np.concatenate([loss.error[None],
                                                                                          loss.per_class]))
''')


def test_torchrun_two_cpu_processes_equal_single_process_exactly(tmp_path):
    script = tmp_path / "dist_heatmap.py"
    script.write_text(DIST_SCRIPT)
    out = str(tmp_path / "map")
    proc = run_torchrun(script, out, str(tmp_path / "ckpt"), timeout=240)
    assert proc.returncode == 0, failure_text(proc)
    import runpy
    argv = sys.argv
    try:  # the same script in this (single) process
        sys.argv = [str(script), out + "-single", str(tmp_path / "ckpt1")]
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv
    single = np.load(out + "-single.rank0.npy")
    r0, r1 = np.load(out + ".rank0.npy"), np.load(out + ".rank1.npy")
    np.testing.assert_array_equal(r0, single)
    np.testing.assert_array_equal(r1, single)
    assert (tmp_path / "ckpt.rank0of2").exists() and (tmp_path / "ckpt.rank1of2").exists()
    assert single.std() > 0  # a non-trivial map
    # a per-class loss map in a window: float sums per frequency, each computed on one rank, so also exact
    loss = np.load(out + "-single.loss.rank0.npy")
    for rank in (0, 1):
        np.testing.assert_array_equal(np.load(out + f".loss.rank{rank}.npy"), loss)
    assert loss.shape == (5, 5, 5) and np.nanstd(loss[0]) > 0


def test_ring_means_average_each_chebyshev_ring_and_mark_uncomputed_rings():
    err = np.full((5, 5), np.nan)
    err[1:4, 1:4] = 10.0          # ring 1 (and the centre) computed
    err[2, 2] = 4.0               # ring 0: DC
    res = HeatmapResult(error=err, eps=1.0, n_images=1, clean_error=0.0, bounds=None, seed=0, window=1)
    means = res.ring_means()
    assert means.shape == (3,) and means[0] == 4.0 and means[1] == 10.0 and np.isnan(means[2])


def test_bf16_autocast_error_rates_within_one_point_of_fp32():
    """Stated AMP tolerance (issue 18): on a fixed model, bf16 autocast moves the clean error and the mean
    heat-map error by at most 1 percentage point."""
    model = tiny_cnn()
    x, y = tiny_data(n=300)
    ref = fourier_heatmap(model, x, y, eps=2.0, window=2, progress=False)
    amp = fourier_heatmap(model, x, y, eps=2.0, window=2, progress=False, amp="bf16")
    assert abs(amp.clean_error - ref.clean_error) <= 1.0
    assert abs(float(np.mean(amp.error)) - float(np.mean(ref.error))) <= 1.0


def test_default_batch_is_tuned_without_changing_the_map():
    """Default max_batch (budget + timed candidates) gives exactly the map of a fixed batch size."""
    model = tiny_cnn()
    x, y = tiny_data()
    auto = fourier_heatmap(model, x, y, eps=2.0, progress=False, memory_budget="2M")
    fixed = fourier_heatmap(model, x, y, eps=2.0, progress=False, max_batch=7)
    np.testing.assert_array_equal(auto.error, fixed.error)
    cl = fourier_heatmap(model, x, y, eps=2.0, progress=False, max_batch=50, channels_last=True, window=3)
    np.testing.assert_allclose(cl.error, fixed.error[1:, 1:], atol=100 / 24 + 1e-9)


def test_long_run_announces_forward_passes_eta_and_what_a_resume_already_did(tmp_path, capsys):
    x, y = tiny_data()
    model = tiny_cnn()
    fourier_heatmap(model, x, y, eps=2.0, max_batch=96, progress=True)
    first = capsys.readouterr().err
    assert f"{34 * 24:,} perturbed images to run, ETA" in first   # 8 × 8: 34 conjugate pairs × 24 images
    ckpt = tmp_path / "hm.ckpt"
    wrapped = StopAfter(model, calls=5)
    with pytest.raises(KeyboardInterrupt):
        fourier_heatmap(wrapped, x, y, eps=2.0, max_batch=96, checkpoint=ckpt, progress=False)
    done = int(torch.load(ckpt, weights_only=True)["done"].sum())
    wrapped.calls = -1
    fourier_heatmap(wrapped, x, y, eps=2.0, max_batch=96, checkpoint=ckpt, progress=True)
    err = capsys.readouterr().err
    assert f"resuming: {done} of 34 frequencies already done; {(34 - done) * 24:,} perturbed images to run" in err


class OOMAbove(nn.Module):
    """Raises CUDA's out-of-memory error on batches larger than ``limit`` (a device that is too small)."""

    def __init__(self, inner, limit):
        super().__init__()
        self.inner, self.limit = inner, limit

    def forward(self, x):
        if x.shape[0] > self.limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return self.inner(x)


def test_out_of_memory_halves_the_batch_and_gives_the_same_map():
    model = tiny_cnn()
    x, y = tiny_data()
    ref = fourier_heatmap(model, x, y, eps=2.0, max_batch=8, progress=False)
    small = OOMAbove(model, 16)
    for kw in ({"max_batch": 96}, {}):            # a user's batch, and the default (budget + tuning)
        res = fourier_heatmap(small, x, y, eps=2.0, progress=False, **kw)
        np.testing.assert_array_equal(res.error, ref.error)


def test_class_names_round_trip_and_files_without_them_still_load(tmp_path):
    import json

    res = HeatmapResult(error=np.ones((3, 3)), eps=1.0, n_images=2, clean_error=0.0, bounds=None, seed=0,
                        per_class=np.ones((2, 3, 3)), class_counts=[1, 1], class_names=["cat", "dog"])
    res.save(tmp_path / "hm.json")
    assert HeatmapResult.load(tmp_path / "hm.json").class_names == ["cat", "dog"]
    payload = json.loads((tmp_path / "hm.json").read_text())
    del payload["fields"]["class_names"]                      # as written before the field existed
    (tmp_path / "hm.json").write_text(json.dumps(payload))
    old = HeatmapResult.load(tmp_path / "hm.json")
    assert old.class_names is None and old.class_counts == [1, 1]
    assert [a.get_title() for a in old.plot_per_class()[1]] == ["class 0 (1 image)", "class 1 (1 image)"]
