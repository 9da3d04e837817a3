"""``freqlens report`` at the command line: its options come from the section registry, it prints one line per
section and the page's path, the numbers are those of ``freqlens.report``; exit 1 when a section failed (the page
is still written), exit 2 with one error line on bad input."""
import argparse
import dataclasses
import json

import numpy as np
import pytest
import torch

import freqlens
from freqlens.cli import main
from freqlens.commands.report import register
from freqlens.report import sections as registry

FACTORY = ("import torch\nfrom torch import nn\n\ndef build():\n    torch.manual_seed(0)\n"
           "    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),"
           " nn.Linear(16, 3))\n")


@pytest.fixture
def setup(tmp_path, monkeypatch):
    (tmp_path / "m_cli_report.py").write_text(FACTORY)
    monkeypatch.chdir(tmp_path)
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(8, 3, 8, 8, generator=g), torch.randint(0, 3, (8,), generator=g)
    np.savez(tmp_path / "d.npz", images=x.numpy(), labels=y.numpy())
    base = ["report", "--model", f"{tmp_path / 'm_cli_report.py'}:build", "--data", str(tmp_path / "d.npz"),
            "--no-progress", "--device", "cpu"]
    return tmp_path, base, x, y


def test_model_that_cannot_take_the_images_is_one_line_before_any_output(setup, capsys):
    tmp_path, base, _, _ = setup
    (tmp_path / "gray_cli_report.py").write_text(
        "from torch import nn\n\ndef build():\n    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten())\n")
    base = ["report", "--model", f"{tmp_path / 'gray_cli_report.py'}:build"] + base[3:]
    code = main(base + ["--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "the model cannot take images of shape (3, 8, 8)" in err and "\n" not in err
    assert not (tmp_path / "r").exists()


def test_options_come_from_the_section_registry():
    sub = argparse.ArgumentParser(prog="freqlens").add_subparsers(dest="command")
    register(sub)
    parser = sub.choices["report"]
    args = parser.parse_args(["--model", "pkg.mod:make"])
    assert args.probes == ",".join(s.name.replace("_", "-") for s in registry.sections() if s.default)
    for flag in registry.all_flags():
        assert getattr(args, flag.dest) == flag.default
    probes_help = parser._option_string_actions["--probes"].help
    assert all(s.name.replace("_", "-") in probes_help for s in registry.sections())
    with pytest.raises(argparse.ArgumentError):
        register(sub)                                      # one report subcommand only


def test_cli_prints_one_line_per_section_and_matches_the_python_report(setup, capsys):
    tmp, base, x, y = setup
    code = main(base + ["--probes", "filtering, hfc", "--out", "cli", "--seed", "1"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    saved = json.loads((tmp / "cli" / "report.json").read_text())["fields"]["sections"]
    assert [s["name"] for s in saved] == ["filtering", "hfc"]
    assert out[:2] == [f"{s['title']}: {s['reading']}" for s in saved]
    assert out[2] == "-> cli/report.html" and len(out) == 3
    factory = {}
    exec(FACTORY, factory)                                # the same model the command built from the file
    ref = freqlens.report(factory["build"](), x, y, out=tmp / "py", probes=("filtering", "hfc"), seed=1,
                          progress=False)
    assert [s["numbers"] for s in saved] == json.loads(json.dumps([s["numbers"] for s in ref.sections]))


def test_dashed_probe_names_and_section_flags_reach_the_section(setup, capsys):
    tmp, base, *_ = setup
    code = main(base + ["--probes", "post-averaging", "--out", "pa"])
    assert code == 0, capsys.readouterr().err
    saved = json.loads((tmp / "pa" / "report.json").read_text())["fields"]["sections"]
    assert [s["name"] for s in saved] == ["post_averaging"] and "failed" not in saved[0]


def test_a_failed_section_exits_1_and_the_others_are_still_written(setup, capsys, monkeypatch):
    tmp, base, *_ = setup
    registry.sections()

    def broken(ctx):
        raise RuntimeError("kaboom")

    monkeypatch.setitem(registry._REGISTRY, "hfc", dataclasses.replace(registry.get("hfc"), run=broken))
    code = main(base + ["--probes", "filtering,hfc", "--out", "f"])
    out = capsys.readouterr().out
    assert code == 1
    assert "Failed: RuntimeError: kaboom" in (tmp / "f" / "report.html").read_text()
    failed = [line for line in out.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and failed[0].endswith("FAILED: RuntimeError: kaboom")
    assert (tmp / "f" / "report.html").exists() and "Failed:" in (tmp / "f" / "report.html").read_text()


@pytest.mark.parametrize("extra,fragment", [
    (["--probes", " , "], "--probes names no section"),
    (["--probes", "heatmap,fourier"], "unknown probe"),
    (["--heatmap-images", "many"], "invalid int value"),
    (["--data", "absent.npz"], "does not exist"),
])
def test_bad_input_exits_2_with_one_error_line(setup, capsys, extra, fragment):
    tmp, base, *_ = setup
    args = base + extra + ["--out", "bad"]
    try:
        code = main(args)
    except SystemExit as exc:                             # argparse usage errors
        code = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and fragment in err[0]
    assert not (tmp / "bad").exists()
