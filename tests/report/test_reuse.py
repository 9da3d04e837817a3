"""reuse_or_compute: a saved section is reused only when its fingerprint matches; otherwise it is recomputed, the
stale files are removed, and the note names the difference."""
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from freqlens.errors import CheckpointError
from freqlens.fingerprint import fingerprint
from freqlens.report.reuse import reuse_or_compute
from freqlens.results import Result


@dataclass
class Section(Result):
    value: float
    curve: np.ndarray


def _compute(value, calls):
    def run():
        calls.append(value)
        return Section(value, np.arange(3.0) * value)
    return run


def test_matching_fingerprint_reuses_without_computing(tmp_path):
    path, calls = tmp_path / "s.json", []
    fp = fingerprint(torch.nn.Linear(2, 2), torch.zeros(2, 2), eps=4.0)
    first, note = reuse_or_compute(path, Section, _compute(1.0, calls), fp)
    assert note is None and calls == [1.0] and path.exists() and path.with_suffix(".npz").exists()
    again, note = reuse_or_compute(path, Section, _compute(2.0, calls), fp)
    assert note is None and calls == [1.0]                      # not recomputed
    assert again.value == 1.0 and np.array_equal(again.curve, first.curve)


def test_a_different_fingerprint_is_refused_recomputed_and_named(tmp_path):
    path, calls = tmp_path / "s.json", []
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 2)
    reuse_or_compute(path, Section, _compute(1.0, calls), fingerprint(model, eps=4.0))
    res, note = reuse_or_compute(path, Section, _compute(2.0, calls), fingerprint(model, eps=8.0))
    assert res.value == 2.0 and calls == [1.0, 2.0]
    assert note == "recomputed: the saved result differs in settings.eps (4.0 saved, 8.0 now)"
    with torch.no_grad():
        model.weight.add_(1.0)                                  # other weights, same settings
    res, note = reuse_or_compute(path, Section, _compute(3.0, calls), fingerprint(model, eps=8.0))
    assert res.value == 3.0 and note == "recomputed: the saved result differs in the model weights"
    assert Section.load(path).value == 3.0                      # the new result replaced the stale one


def test_stale_files_are_removed_and_an_unfingerprinted_save_is_not_trusted(tmp_path):
    path = tmp_path / "s.json"
    Section(1.0, np.zeros(3)).save(path)                        # saved without a fingerprint
    checkpoint = tmp_path / "s.ckpt"
    checkpoint.write_bytes(b"partial work of the stale run")
    seen = []

    def compute():
        seen.append(checkpoint.exists())
        return Section(5.0, np.ones(3))

    res, note = reuse_or_compute(path, Section, compute, fingerprint(eps=1.0), stale_files=(checkpoint,))
    assert note == "recomputed: no fingerprint was saved with it" and res.value == 5.0
    assert seen == [False] and not checkpoint.exists()          # removed before recomputing


def test_a_corrupt_matching_save_raises(tmp_path):
    path, fp = tmp_path / "s.json", fingerprint(eps=1.0)
    reuse_or_compute(path, Section, _compute(1.0, []), fp)
    path.with_suffix(".npz").write_bytes(b"not an npz")
    with pytest.raises(CheckpointError):
        reuse_or_compute(path, Section, _compute(2.0, []), fp)
