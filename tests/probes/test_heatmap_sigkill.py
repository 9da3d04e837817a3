"""A heat map killed with SIGKILL mid-run resumes from its checkpoint to exactly the uninterrupted result."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from freqlens.probes.heatmap import HeatmapResult

SCRIPT = textwrap.dedent('''
    import sys, time, torch
    from torch import nn
    from freqlens.probes.heatmap import fourier_heatmap

    class Slow(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.head = nn.Linear(8, 10)
        def forward(self, x):
            time.sleep(0.02)                          # slow enough to be killed mid-run
            return self.head(torch.relu(self.conv(x)).mean((2, 3)))

    g = torch.Generator().manual_seed(1)
    x = torch.rand(12, 3, 12, 12, generator=g)
    y = torch.arange(12) % 10
    res = fourier_heatmap(Slow(), x, y, eps=2.0, max_batch=24, seed=5, checkpoint=sys.argv[1],
                          checkpoint_interval=0.0, progress=False, distributed=False)
    res.save(sys.argv[2])
''')


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_then_resume_gives_the_uninterrupted_map(tmp_path):
    script = tmp_path / "run_heatmap.py"
    script.write_text(SCRIPT)
    ckpt, out = tmp_path / "hm.ckpt", tmp_path / "hm.json"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, str(script), str(ckpt), str(out)], env=env)
    deadline = time.time() + 120
    while not ckpt.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)
    assert proc.poll() is None, "the heat map finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert ckpt.exists() and not out.exists()
    done = subprocess.run([sys.executable, str(script), str(ckpt), str(out)], env=env, timeout=300)
    assert done.returncode == 0
    fresh = tmp_path / "fresh.json"
    subprocess.run([sys.executable, str(script), str(tmp_path / "other.ckpt"), str(fresh)], env=env, timeout=300,
                   check=True)
    a, b = HeatmapResult.load(out), HeatmapResult.load(fresh)
    assert np.array_equal(np.asarray(a.error), np.asarray(b.error), equal_nan=True)
