"""Every tracker, recorded in every rank of a DDP training run (2 CPU processes, gloo), gives the numbers of the
same training in one process (issue 18, part 5). DDP averages the gradients of two half-batches, which equals the
full-batch gradient of the single process, so the weights agree to rounding; each tracker evaluates its own full
copy of the evaluation data on every rank."""
import json
import runpy
import sys
import textwrap
from pathlib import Path

import numpy as np
from torchrun_helper import failure_text, run_torchrun

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent('''
    import json, os, sys, torch
    from torch import nn
    from freqlens.dynamics.fprinciple import FilteringTracker, ProjectionTracker
    from freqlens.dynamics.hfc import HFCTracker
    from freqlens.dynamics.spectral_bias import SpectralNormTracker, SpectrumTracker

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if world > 1:
        import torch.distributed as dist
        dist.init_process_group("gloo")
    g = torch.Generator().manual_seed(0)
    # 1-D regression (F-Principle trackers) and a tiny image classifier (HFC tracker)
    x1 = torch.linspace(-1, 1, 64).unsqueeze(1)
    y1 = torch.sin(3 * x1) + 0.3 * torch.sin(15 * x1)
    xi, yi = torch.rand(32, 3, 8, 8, generator=g), torch.randint(0, 3, (32,), generator=g)
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1)).double()
    cnn = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 64, 3)).double()
    models = {"mlp": mlp, "cnn": cnn}
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel as DDP
        models = {k: DDP(m) for k, m in models.items()}
    trackers = {
        "projection": (ProjectionTracker(x1, y1, every=1), "mlp"),
        "filtering": (FilteringTracker(x1, y1, deltas=[0.1], every=1, dtype=torch.float64), "mlp"),
        "spectrum": (SpectrumTracker(x1, frequencies=[1, 3, 5], every=1), "mlp"),
        "spectral_norm": (SpectralNormTracker(every=1, method="svd"), "mlp"),
        "hfc": (HFCTracker(test=(xi.double(), yi), radii=[2], every=1, bounds=None), "cnn"),
    }
    opts = {k: torch.optim.SGD(m.parameters(), lr=0.1) for k, m in models.items()}
    data = {"mlp": (x1.double(), y1.double(), nn.MSELoss()), "cnn": (xi.double(), yi, nn.CrossEntropyLoss())}
    for step in range(3):
        for name, model in models.items():
            x, y, loss_fn = data[name]
            if world > 1:   # each rank trains on its half of the batch
                x, y = x[rank::world], y[rank::world]
            opts[name].zero_grad()
            loss_fn(model(x), y).backward()
            opts[name].step()
        for tname, (tr, mname) in trackers.items():
            tr.record(models[mname], step)

    def plain(v):
        if isinstance(v, torch.Tensor):
            return v.tolist()
        if isinstance(v, dict):
            return {k: plain(u) for k, u in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(u) for u in v]
        if hasattr(v, "tolist"):
            return v.tolist()
        return v

    with open(sys.argv[1] + f".rank{rank}.json", "w") as fh:
        json.dump({k: plain(tr.state_dict()) for k, (tr, _) in trackers.items()}, fh)
    if world > 1:
        dist.destroy_process_group()
''')


def _numbers(v):
    if isinstance(v, dict):   # wall-clock overheads ("seconds") are not results
        return [x for k in sorted(v) if k != "seconds" for x in _numbers(v[k])]
    if isinstance(v, (list, tuple)):
        return [x for u in v for x in _numbers(u)]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return [float(v)]
    return []


def test_every_tracker_in_every_ddp_rank_gives_the_single_process_numbers(tmp_path):
    script = tmp_path / "ddp_trackers.py"
    script.write_text(SCRIPT)
    proc = run_torchrun(script, str(tmp_path / "ddp"), timeout=300)
    assert proc.returncode == 0, failure_text(proc)
    argv = sys.argv
    try:
        sys.argv = [str(script), str(tmp_path / "single")]
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv
    single = json.loads((tmp_path / "single.rank0.json").read_text())
    for rank in (0, 1):
        ddp = json.loads((tmp_path / f"ddp.rank{rank}.json").read_text())
        assert set(ddp) == set(single) == {"projection", "filtering", "spectrum", "spectral_norm", "hfc"}
        for name in single:
            a, b = np.array(_numbers(ddp[name])), np.array(_numbers(single[name]))
            assert a.size == b.size and a.size > 0, name
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, err_msg=f"{name}, rank {rank}")
