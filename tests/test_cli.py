import argparse

from freqlens import cli
from freqlens.errors import InputError


def _parser_running(work):
    def build():
        p = argparse.ArgumentParser()
        p.add_argument("--out")
        p.set_defaults(func=work)
        return p
    return build


def test_a_failure_before_any_output_leaves_no_folder(tmp_path, monkeypatch):
    def fail_early(args):
        (tmp_path / "run" / "probes").mkdir(parents=True)     # folders only, nothing saved yet
        raise InputError("bad images")

    monkeypatch.setattr(cli, "build_parser", _parser_running(fail_early))
    assert cli.main(["--out", str(tmp_path / "run")]) == 2
    assert not (tmp_path / "run").exists()


def test_a_failure_after_saved_work_keeps_it_for_the_rerun(tmp_path, monkeypatch):
    def fail_late(args):
        (tmp_path / "run" / "cache").mkdir(parents=True)
        (tmp_path / "run" / "cache" / "model.pt").write_bytes(b"weights")   # e.g. a trained model
        raise InputError("a later step failed")

    monkeypatch.setattr(cli, "build_parser", _parser_running(fail_late))
    assert cli.main(["--out", str(tmp_path / "run")]) == 2
    assert (tmp_path / "run" / "cache" / "model.pt").read_bytes() == b"weights"
