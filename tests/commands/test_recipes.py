import json
import subprocess
import sys

import pytest

from freqlens.cli import main


def test_list_shows_every_recipe_with_paper_and_data(capsys):
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = {r["name"] for r in rows}
    assert {"fprinciple-1d", "fprinciple-mnist1d", "fprinciple-mnist", "fprinciple-cifar10", "fprinciple-init-scale",
            "fprinciple-jacobi", "fprinciple-theorem"} <= names
    assert all(r["paper"] and r["finding"] and r["data"] for r in rows)


def test_reproduce_writes_result_json_and_figure(tmp_path, capsys):
    code = main(["reproduce", "fprinciple-theorem", "--quick", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    out = tmp_path / "fprinciple-theorem"
    payload = json.loads((out / "result.json").read_text())
    for key in ("recipe", "paper", "finding", "quick", "seconds"):
        assert key in payload
    assert set(payload["check"]) >= {"passed", "metric", "value", "threshold"}
    assert payload["check"]["passed"] is True and payload["quick"] is True
    assert (out / "figure.png").stat().st_size > 10_000
    assert "PASS" in capsys.readouterr().out


def _run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "freqlens.cli", *args], capture_output=True, text=True, env=env)


def test_unknown_recipe_exits_2_with_one_line():
    r = _run("reproduce", "fprinciple-2d")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown recipe 'fprinciple-2d'" in lines[0] and "fprinciple-1d" in lines[0]


def test_missing_data_names_the_root(tmp_path):
    r = _run("reproduce", "fprinciple-mnist", "--quick", "--data-root", str(tmp_path), "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert str(tmp_path) in r.stderr and "MNIST" in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["fprinciple-1d"])
def test_quick_1d_recipe_passes(tmp_path, name):
    code = main(["reproduce", name, "--quick", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    payload = json.loads((tmp_path / name / "result.json").read_text())
    steps = payload["numbers"]["converged_steps"]
    (run,) = steps.values()
    assert run["t1"] < run["t3"] < run["t5"]
