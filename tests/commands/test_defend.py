"""`freqlens defend`: end to end on a tiny user model and an .npz data set, and its one-line errors."""
import json
import sys
import textwrap

import numpy as np
import pytest
import torch

from freqlens.cli import main

FACTORY = textwrap.dedent("""
    import torch
    from torch import nn
    from freqlens.models import with_normalization

    def build():
        torch.manual_seed(0)
        net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 6 * 6, 12), nn.ReLU(), nn.Linear(12, 3))
        return with_normalization(net, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))

    def bare():
        torch.manual_seed(0)
        return nn.Sequential(nn.Flatten(), nn.Linear(3 * 6 * 6, 3))

    def not_logits():
        return nn.Sequential(nn.Flatten(), nn.Linear(3 * 6 * 6, 3), nn.Flatten(0))
""")


@pytest.fixture
def user_files(tmp_path, monkeypatch):
    mod = tmp_path / "defend_user_models.py"
    mod.write_text(FACTORY)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("defend_user_models", None)
    import defend_user_models

    model = defend_user_models.build()
    torch.save(model.state_dict(), tmp_path / "w.pt")
    rng = np.random.default_rng(0)
    images = rng.random((12, 3, 6, 6)).astype(np.float32)
    with torch.no_grad():
        labels = model(torch.as_tensor(images)).argmax(1).numpy()
    np.savez(tmp_path / "data.npz", images=images, labels=labels)
    bad = images.copy()
    bad[0, 0, 0, 0] = 3.0
    np.savez(tmp_path / "bad.npz", images=bad, labels=labels)
    return tmp_path


def run(tmp_path, *extra, data="data.npz", model="defend_user_models:build"):
    args = ["defend", "--model", model, "--data", str(tmp_path / data), "--out", str(tmp_path / "out"),
            "--no-progress", "--device", "cpu", *extra]
    if model.endswith(":build"):
        args += ["--weights", str(tmp_path / "w.pt")]
    return main(args)


def test_defend_both_writes_side_by_side_results(user_files, capsys):
    code = run(user_files, "--radius", "2", "--eval", "both", "--directions", "3", "--eot-steps", "3",
               "--attacker-directions", "2", "--cw-steps", "20", "--square-queries", "5")
    assert code == 0
    summary = json.loads((user_files / "out" / "summary.json").read_text())
    assert set(summary["evaluations"]) == {"paper", "adaptive"}
    assert summary["n_samples"] == 1 + 2 * 3 * 3
    assert summary["radius_pixel"] == pytest.approx(0.5)            # 2 normalised units × std 0.25
    assert summary["evaluations"]["paper"]["clean_accuracy_base"] == 1.0
    assert set(summary["evaluations"]["adaptive"]["attacks"]) == {"eot_pgd", "square"}
    assert set(summary["evaluations"]["paper"]["attacks"]) == {"fgsm_sweep", "pgd_minimal", "deepfool", "cw",
                                                                "pgd_fixed"}
    assert summary["evaluations"]["adaptive"]["attacks"]["square"]["n_queries"] == 5
    assert (user_files / "out" / "figure.png").stat().st_size > 1000
    assert (user_files / "out" / "paper.json").exists() and (user_files / "out" / "adaptive.json").exists()
    assert "defended accuracy" in capsys.readouterr().out


@pytest.mark.parametrize("extra, data, model, message", [
    (("--radius", "0"), "data.npz", "defend_user_models:build", "radius must be > 0"),
    (("--radius", "-3"), "data.npz", "defend_user_models:build", "radius must be > 0"),
    (("--radius", "2", "--directions", "0"), "data.npz", "defend_user_models:build", "n_directions"),
    (("--radius", "2"), "bad.npz", "defend_user_models:build", "outside bounds"),
    (("--radius", "2", "--radius-space", "input"), "data.npz", "defend_user_models:not_logits", "logits"),
    (("--radius", "2"), "data.npz", "defend_user_models:bare", "input_std"),
    (("--radius", "2", "--input-std", "a,b"), "data.npz", "defend_user_models:bare", "--input-std"),
    (("--radius", "2", "--attacks", "fgsm,lbfgs"), "data.npz", "defend_user_models:build", "lbfgs"),
    (("--radius", "2", "--attacks", ","), "data.npz", "defend_user_models:build", "attacks is empty"),
    (("--radius", "2", "--square-queries", "-1"), "data.npz", "defend_user_models:build", "--square-queries"),
    (("--radius", "2", "--cw-steps", "0"), "data.npz", "defend_user_models:build", "--cw-steps"),
])
def test_defend_bad_input_exits_2_with_one_line(user_files, capsys, extra, data, model, message):
    if "--directions" not in extra:
        extra = (*extra, "--directions", "2")
    code = run(user_files, *extra, "--eval", "paper", data=data, model=model)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err and len(err.splitlines()) == 1


def test_defend_attack_selection(user_files):
    code = run(user_files, "--radius", "2", "--eval", "paper", "--directions", "2", "--attacks", "deepfool,cw",
               "--cw-steps", "10")
    assert code == 0
    summary = json.loads((user_files / "out" / "summary.json").read_text())
    assert list(summary["evaluations"]["paper"]["attacks"]) == ["deepfool", "cw"]
