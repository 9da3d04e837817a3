"""Running a script on 2 CPU processes with torchrun for the sharding tests (tests/probes, tests/report,
tests/dynamics): gloo on the loopback interface, and one retry when the process group itself fails to form (on a
loaded machine gloo's connection mesh is sometimes refused). A deterministic failure of the script fails twice, so
the retry hides no wrong result: the tests compare the outputs exactly afterwards."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_torchrun(script: Path, *args: str, timeout: int = 300, extra_env: dict | None = None, attempts: int = 2):
    """Run ``script`` with ``torchrun --standalone --nproc-per-node 2``; return the completed process of the last
    attempt (returncode 0 on success)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1",
               GLOO_SOCKET_IFNAME="lo", **(extra_env or {}))
    for _ in range(attempts):
        proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                               str(script), *args], env=env, capture_output=True, text=True, timeout=timeout)
        if proc.returncode == 0:
            break
    return proc


def failure_text(proc) -> str:
    """The lines of a failed run that say why (the ranks' own errors, not only torchrun's summary)."""
    lines = proc.stderr.splitlines()
    why = [ln for ln in lines if "Error" in ln or "error" in ln or "refused" in ln][:20]
    return "\n".join(why) + "\n…\n" + proc.stderr[-1500:]
