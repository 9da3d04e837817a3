"""freqlens/models/files.py: whole-model files (TorchScript, torch.export) without unpickling Python objects."""
import warnings

import pytest
import torch
from torch import nn

from freqlens.errors import CheckpointError
from freqlens.models.files import FixedBatch, load_model_file, looks_like_model_file
from freqlens.notices import FreqlensNotice


def test_looks_like_model_file(tmp_path):
    p = tmp_path / "m.pt"
    assert not looks_like_model_file(str(p))                  # no file yet
    p.write_bytes(b"x")
    assert looks_like_model_file(str(p)) and not looks_like_model_file("torch.nn:Linear")
    (tmp_path / "m.txt").write_bytes(b"x")
    assert not looks_like_model_file(str(tmp_path / "m.txt"))


def test_torchscript_file_loads_in_eval_mode_and_a_state_dict_is_refused(tmp_path):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5))
    p = tmp_path / "m.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(net), str(p))
        loaded = load_model_file(p)
    assert not loaded.training
    x = torch.rand(4, 2)
    assert torch.allclose(loaded(x), net.eval()(x))
    torch.save(net.state_dict(), tmp_path / "sd.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(CheckpointError, match="neither a TorchScript nor a torch.export.*--weights"):
            load_model_file(tmp_path / "sd.pt")


def test_exported_program_with_a_fixed_batch_runs_any_batch_size(tmp_path):
    net = nn.Linear(2, 3)
    p = tmp_path / "m.pt2"
    torch.export.save(torch.export.export(net, (torch.zeros(4, 2),)), str(p))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_model_file(p)
    assert isinstance(loaded, FixedBatch) and loaded.batch == 4
    assert any(w.category is FreqlensNotice and "fixed batch size 4" in str(w.message) for w in caught)
    x = torch.rand(6, 2)
    assert torch.allclose(loaded(x), net(x), atol=1e-6)


def test_fixed_batch_pads_the_last_chunk_and_trims_it():
    seen = []

    class Recorder(nn.Module):
        def forward(self, x):
            seen.append(x.shape[0])
            return x * 2

    out = FixedBatch(Recorder(), 4)(torch.arange(6.0)[:, None])
    assert seen == [4, 4] and out.squeeze(1).tolist() == [0, 2, 4, 6, 8, 10]
