"""The CLI with bad input: every case exits 2 with one line on stderr and leaves no partial output behind."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from freqlens.cli import main

MODELS = textwrap.dedent('''
    import torch
    from torch import nn

    class TinyConv(nn.Module):
        def __init__(self, channels=3):
            super().__init__()
            self.conv = nn.Conv2d(channels, 4, 3, padding=1)
            self.head = nn.Linear(4, 10)

        def forward(self, x):
            return self.head(torch.relu(self.conv(x)).mean((2, 3)))

    def conv():
        return TinyConv()

    def conv_gray():
        return TinyConv(1)

    def mlp():
        return nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 10))

    def not_a_module():
        return 42

    class Squeezed(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 1, 3, padding=1)

        def forward(self, x):
            return self.conv(x).mean((1, 2, 3))        # (N,), not (N, classes)

    def scalar_output():
        return Squeezed()
''')


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    (tmp_path / "bad_input_models.py").write_text(MODELS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    import bad_input_models

    importlib.reload(bad_input_models)
    torch.save(bad_input_models.conv().state_dict(), tmp_path / "conv.pt")
    torch.save(bad_input_models.mlp().state_dict(), tmp_path / "mlp.pt")
    (tmp_path / "corrupt.pt").write_bytes(b"\x80\x02 this is not a checkpoint")
    g = np.random.default_rng(0)
    images = g.random((6, 3, 8, 8), dtype=np.float32)
    labels = np.arange(6) % 10
    np.savez(tmp_path / "ok.npz", images=images, labels=labels)
    nan = images.copy()
    nan[0, 0, 0, 0] = np.nan
    np.savez(tmp_path / "nan.npz", images=nan, labels=labels)
    np.savez(tmp_path / "gray.npz", images=images[:, :1], labels=labels)
    np.savez(tmp_path / "bytes.npz", images=images * 255, labels=labels)
    np.savez(tmp_path / "labels.npz", images=images, labels=labels + 20)
    np.savez(tmp_path / "nolabels.npz", images=images)
    np.savez(tmp_path / "flat.npz", images=images.reshape(6, -1), labels=labels)
    (tmp_path / "file").write_text("a file where a folder is expected")
    return tmp_path


HEAT = ["heatmap", "--model", "bad_input_models:conv", "--weights", "conv.pt", "--no-progress"]
REPORT = ["report", "--model", "bad_input_models:conv", "--weights", "conv.pt", "--no-progress"]
LAYERS = ["layers", "--model", "bad_input_models:conv", "--weights", "conv.pt", "--no-progress"]

CASES = {
    "unknown recipe": (["reproduce", "fprinciple-2d"], "unknown recipe"),
    "recipe data missing": (["reproduce", "fprinciple-mnist", "--quick", "--data-root", "nowhere"], "data root"),
    "name and --all": (["reproduce", "fprinciple-1d", "--all"], "--all"),
    "--full without --all": (["reproduce", "fprinciple-1d", "--full"], "--full"),
    "NaN images": (HEAT + ["--data", "ok.npz".replace("ok", "nan")], "NaN"),
    "wrong channel count": (HEAT + ["--data", "gray.npz"], "channel"),
    "images outside bounds": (HEAT + ["--data", "bytes.npz"], "bounds"),
    "labels out of range": (HEAT + ["--data", "labels.npz"], "label"),
    "npz without labels": (HEAT + ["--data", "nolabels.npz"], "labels"),
    "npz with flat images": (HEAT + ["--data", "flat.npz"], "(N, C, H, W)"),
    "missing npz": (HEAT + ["--data", "absent.npz"], "does not exist"),
    "unknown dataset": (HEAT + ["--data", "imagenet"], "unknown dataset"),
    "eps not positive": (HEAT + ["--data", "ok.npz", "--eps", "0"], "eps"),
    "missing weights file": (["heatmap", "--model", "bad_input_models:conv", "--weights", "absent.pt",
                              "--data", "ok.npz"], "does not exist"),
    "weights of another architecture": (["heatmap", "--model", "bad_input_models:conv", "--weights", "mlp.pt",
                                         "--data", "ok.npz"], "do not fit"),
    "corrupt weights file": (["heatmap", "--model", "bad_input_models:conv", "--weights", "corrupt.pt",
                              "--data", "ok.npz"], "corrupt"),
    "model spec without factory": (["heatmap", "--model", "bad_input_models", "--data", "ok.npz"],
                                   "package.module:factory"),
    "model module not importable": (["heatmap", "--model", "no_such_module:conv", "--data", "ok.npz"], "cannot import"),
    "factory returns no module": (["heatmap", "--model", "bad_input_models:not_a_module", "--data", "ok.npz"],
                                  "nn.Module"),
    "model output not (N, classes)": (["heatmap", "--model", "bad_input_models:scalar_output", "--data", "ok.npz"],
                                      "(N, classes)"),
    "cifar10 without data root": (HEAT + ["--data", "cifar10", "--data-root", "nowhere"], "data root"),
    "unwritable output folder": (HEAT + ["--data", "ok.npz", "--out", "file/sub"], "output folder"),
    "layers of a model without conv": (["layers", "--model", "bad_input_models:mlp", "--weights", "mlp.pt",
                                        "--data", "ok.npz"], "conv"),
    "report: unknown probe": (REPORT + ["--data", "ok.npz", "--probes", "heatmap,spectrogram"], "unknown probe"),
    "report: NaN images": (REPORT + ["--data", "nan.npz"], "NaN"),
    "layers: NaN images": (LAYERS + ["--data", "nan.npz", "--mode", "perturbation"], "NaN"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_exits_2_with_one_line_and_no_output(case, workdir, capsys):
    args, fragment = CASES[case]
    out = workdir / "out"
    if "--out" not in args:
        args = args + ["--out", str(out)]
    code = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("freqlens: error: "), err
    assert fragment.lower() in err[0].lower(), err[0]
    assert not out.exists() or not any(out.iterdir())


def test_real_process_exit_status_and_no_traceback(workdir):
    r = subprocess.run([sys.executable, "-m", "freqlens.cli", *HEAT, "--data", "nan.npz", "--out", "o"],
                       capture_output=True, text=True, cwd=workdir)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (workdir / "o").exists()


def test_usage_errors_are_one_line_too(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["heatmap", "--eps", "four"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("freqlens: error:")
