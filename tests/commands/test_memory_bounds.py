"""At defaults, commands on 224 × 224 inputs stay under 4 GiB of peak RSS on the CPU, and Ctrl-C stops them
within seconds (issue 18, part 1). Each command runs in its own process; ru_maxrss is read there."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
GIB = 1 << 30

MODEL = textwrap.dedent('''
    import torch
    from torch import nn

    def build():
        torch.manual_seed(0)
        return nn.Sequential(nn.Conv2d(3, 4, 5, stride=2, padding=2), nn.ReLU(), nn.Conv2d(4, 4, 3, stride=2,
                             padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(64, 10))
''')

RUNNER = textwrap.dedent('''
    import resource, sys
    from freqlens.cli import main
    code = main(sys.argv[1:])
    print(f"MAXRSS_KIB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", flush=True)
    sys.exit(code)
''')


def _setup(tmp_path: Path) -> tuple[Path, dict]:
    (tmp_path / "tiny224.py").write_text(MODEL)
    (tmp_path / "run_cli.py").write_text(RUNNER)
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "data.npz", images=rng.random((8, 3, 224, 224), dtype=np.float32),
             labels=rng.integers(0, 10, 8))
    env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{tmp_path}", OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    env.pop("FREQLENS_MEMORY_BUDGET", None)
    return tmp_path / "run_cli.py", env


def _maxrss(stdout: str) -> int:
    line = [ln for ln in stdout.splitlines() if ln.startswith("MAXRSS_KIB=")][-1]
    return int(line.split("=")[1]) * 1024


@pytest.mark.slow
@pytest.mark.parametrize("command", [
    ["heatmap", "--window", "3", "--eps", "15.7"],
    ["layers", "--window", "10", "--high", "8", "--images", "2"],
])
def test_224_commands_at_defaults_stay_under_4gib(tmp_path, command):
    runner, env = _setup(tmp_path)
    args = [sys.executable, str(runner), *command, "--model", "tiny224:build", "--data", str(tmp_path / "data.npz"),
            "--limit", "8", "--out", str(tmp_path / "out"), "--no-progress", "--device", "cpu"]
    done = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    print(command[0], "peak RSS GiB", _maxrss(done.stdout) / GIB)
    assert _maxrss(done.stdout) <= 4 * GIB


@pytest.mark.slow
def test_224_full_grid_layers_stop_on_ctrl_c_within_seconds_and_stay_bounded(tmp_path):
    """The full 224 × 224 layer probe (25 090 basis images — 5 GB if built at once) runs in bounded batches; a
    SIGINT after a few seconds ends it within 10 s with the one-line message and exit status 130."""
    runner, env = _setup(tmp_path)
    args = [sys.executable, str(runner), "layers", "--mode", "basis", "--model", "tiny224:build", "--data",
            str(tmp_path / "data.npz"), "--limit", "8", "--out", str(tmp_path / "out"), "--no-progress",
            "--device", "cpu"]
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(20)
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("Ctrl-C did not stop `freqlens layers` within 10 s")
    assert time.monotonic() - sent < 10
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert _maxrss(out) <= 4 * GIB
