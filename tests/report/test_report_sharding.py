"""``freqlens.report`` under torchrun (2 CPU processes, gloo): the heat-map and layers sections shard their
frequencies and all-reduce the counts, so rank 0's report has exactly the single-process numbers."""
import json
import runpy
import sys
import textwrap
from pathlib import Path

import numpy as np
from torchrun_helper import failure_text, run_torchrun

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent('''
    import sys, torch
    from torch import nn
    from freqlens.report import report
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                          nn.Linear(24, 4))
    g = torch.Generator().manual_seed(1)
    x, y = torch.rand(24, 3, 8, 8, generator=g), torch.randint(0, 4, (24,), generator=g)
    report(model, x, y, out=sys.argv[1], probes=["heatmap", "filtering", "layers"], eps=2.0, heatmap_images=24,
           progress=False, window=3)
''')


def test_report_on_two_gloo_processes_equals_one_process(tmp_path):
    script = tmp_path / "dist_report.py"
    script.write_text(SCRIPT)
    proc = run_torchrun(script, str(tmp_path / "two"), timeout=300, extra_env={"MPLBACKEND": "Agg"})
    assert proc.returncode == 0, failure_text(proc)
    argv = sys.argv
    try:
        sys.argv = [str(script), str(tmp_path / "one")]
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv
    one = json.loads((tmp_path / "one" / "probes" / "heatmap.json").read_text())
    two = json.loads((tmp_path / "two" / "probes" / "heatmap.json").read_text())
    from freqlens.results import load

    hm1, hm2 = load(tmp_path / "one" / "probes" / "heatmap.json"), load(tmp_path / "two" / "probes" / "heatmap.json")
    assert hm1.error.shape == (7, 7)
    np.testing.assert_array_equal(hm2.error, hm1.error)
    l1, l2 = load(tmp_path / "one" / "probes" / "layers.json"), load(tmp_path / "two" / "probes" / "layers.json")
    np.testing.assert_allclose(l2.gain, l1.gain, rtol=1e-6)
    assert (tmp_path / "two" / "report.html").exists() and one and two
    f1, f2 = load(tmp_path / "one" / "probes" / "filtering.json"), load(tmp_path / "two" / "probes" / "filtering.json")
    assert f2.accuracy == f1.accuracy
    # rank 1 wrote only into its own folder: the shards of the sharded sections (heat map, layers), nothing of the
    # sections rank 0 runs alone, no figures and no page
    helper = tmp_path / "two" / ".ranks" / "rank1of2"
    assert sorted(p.name for p in (helper / "probes").iterdir() if p.suffix == ".json") == ["heatmap.json",
                                                                                           "layers.json"]
    assert not (helper / "figures").exists() and not (helper / "report.html").exists()


def test_a_helper_rank_skips_the_sections_that_are_not_sharded(tmp_path, monkeypatch):
    """Faked rank 1 of 2: the unsharded sections (here filtering and noise) are neither computed nor written."""
    import torch
    from torch import nn

    import freqlens.probes.filtering
    import freqlens.probes.heatmap
    import freqlens.probes.noise
    from freqlens.report import report

    def must_not_run(*args, **kwargs):
        raise AssertionError("an unsharded section ran on rank 1")

    monkeypatch.setattr(freqlens.probes.heatmap, "_distributed_context", lambda distributed, dev: (1, 2, False))
    monkeypatch.setattr(freqlens.probes.filtering, "filtered_accuracy", must_not_run)
    monkeypatch.setattr(freqlens.probes.noise, "bandlimited_noise_error", must_not_run)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                          nn.Linear(16, 3))
    x, y = torch.rand(8, 3, 8, 8), torch.arange(8) % 3
    res = report(model, x, y, out=tmp_path / "r", probes=["filtering", "noise"], progress=False)
    assert res.sections == [] and res.html_path == ""
    files = [p for p in (tmp_path / "r").rglob("*") if p.is_file()]
    assert files == []
