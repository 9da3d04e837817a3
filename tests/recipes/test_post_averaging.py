"""Post-averaging recipes: the pure-math one in full; the CIFAR ones on a tiny stand-in model (fast) and for real
(slow, needs FREQLENS_DATA)."""

import pytest
import torch
from torch import nn

import freqlens.recipes.post_averaging as pa_recipes
from freqlens.data import CIFAR10_MEAN, CIFAR10_STD
from freqlens.models import with_normalization
from freqlens.recipes import run_recipe


@pytest.fixture
def tiny_setup(monkeypatch):
    """Replace the trained CIFAR model and test images by a tiny model that labels its own random images."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 32), nn.ReLU(), nn.Linear(32, 10))
    model = with_normalization(net, CIFAR10_MEAN, CIFAR10_STD).eval()
    x = torch.rand(16, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        y = model(x).argmax(1)
    monkeypatch.setattr(pa_recipes, "_base_model", lambda ctx: model)
    monkeypatch.setattr(pa_recipes, "_test_images", lambda ctx, n: (x, y))
    monkeypatch.setattr(pa_recipes, "SQUARE_QUERIES", 100)   # the code path, not the attack's strength
    return model


def _contract(payload):
    """Controls are measured with their check's comparison, and the status follows from checks and controls."""
    assert payload["controls"], "every recipe measures a null"
    checks = {c["metric"]: c for c in payload["checks"]}
    for ctl in payload["controls"]:
        assert ctl["metric"] in checks
    assert payload["unguarded_checks"] == [] and set(checks) == {c["metric"] for c in payload["controls"]}
    failed_checks = not all(c["passed"] for c in payload["checks"])
    passed_controls = any(c["passed"] for c in payload["controls"])
    assert payload["status"] == ("FAIL" if failed_checks or passed_controls else "PASS")


def test_transfer_recipe_white_noise_control_fails_its_gate(tiny_setup, tmp_path):
    payload = run_recipe("post-averaging-transfer", quick=True, out=tmp_path, progress=False)
    _contract(payload)
    sel = payload["numbers"]["selectivity"]
    noise = payload["controls"][0]
    assert noise["value"] == pytest.approx(sel["white-noise classifier"])
    assert noise["value"] > 0.5 and not noise["passed"]          # white noise is not low-passed
    assert sel["trained network"] < 0.5                            # a ReLU network is
    assert (tmp_path / "post-averaging-transfer" / "figure.png").exists()


@pytest.mark.parametrize("name, keys", [
    ("post-averaging-tradeoff", ["drop_points_default", "accuracy_ball_default", "accuracy_approx_default"]),
    ("post-averaging-paper-eval", ["pgd_minimal_defense_rate", "pgd_fixed_defense_rate", "fgsm_sweep_defense_rate",
                                   "deepfool_defense_rate", "cw_defense_rate", "deepfool_n_counted", "cw_median_l2"]),
    ("post-averaging-adaptive", ["robust_accuracy_adaptive_eot_pgd", "robust_accuracy_paper_protocol_pgd_minimal",
                                 "robust_accuracy_adaptive_square", "square_median_queries"]),
])
def test_cifar_recipes_code_path_on_a_tiny_model(tiny_setup, tmp_path, name, keys):
    payload = run_recipe(name, quick=True, out=tmp_path, progress=False)
    _contract(payload)
    for k in keys:
        assert k in payload["numbers"]
    assert payload["numbers"].get("clean_accuracy_base", 1.0) == 1.0
    assert (tmp_path / name / "figure.png").stat().st_size > 1000
    if name == "post-averaging-adaptive":
        n = payload["numbers"]
        # the adaptive attacker is at least as strong as the transferred minimal attack on this model
        assert n["robust_accuracy_adaptive_eot_pgd"] <= n["robust_accuracy_paper_protocol_pgd_minimal"] + 1e-9
        assert n["square_queries"] == 100 and n["square_images"] == 8 and 1 <= n["square_median_queries"] <= 100
    if name == "post-averaging-paper-eval":
        # the PA-D1 checks stay FGSM sweep + minimal PGD; DeepFool / C&W are numbers only
        assert not any("DeepFool" in c["metric"] or "C&W" in c["metric"] for c in payload["checks"])
        assert 0 <= payload["numbers"]["pgd_minimal_defense_rate_null"] <= 1
    if name == "post-averaging-adaptive":
        # random-sign noise is no attack: the defended model keeps (almost) all its accuracy, the control fails
        assert not payload["controls"][0]["passed"]
    if name == "post-averaging-tradeoff":
        assert payload["numbers"]["drop_points_4x_default"] >= payload["numbers"]["drop_points_default"] - 1e-9
    if name == "post-averaging-tradeoff":
        # the rise check's null: the same accuracies in reverse radius order, with the check's own comparison
        n, checks = payload["numbers"], payload["checks"]
        rev = payload["controls"][1]
        acc = dict(zip(n["radii_random"], n["accuracy_random"]))
        r0 = n["default_radius_normalized"]
        backwards = [acc[2 * r0], acc[r0], acc[0.5 * r0]]
        assert rev["metric"] == checks[1]["metric"] and rev["name"].startswith("the same accuracies in reverse")
        assert rev["value"] == pytest.approx(max(0.0, max((b - a) * 100 for a, b in zip(backwards, backwards[1:]))))
        assert rev["passed"] == (rev["value"] <= 0.5)
        if rev["passed"]:   # flat accuracies on the tiny model: the check cannot tell, so the recipe is FAIL
            assert payload["status"] == "FAIL"
        controls = [payload["controls"][0]]
    elif name == "post-averaging-paper-eval":
        # PA-D2's null: DeepFool-L2 (a minimal attack) in place of fixed-ε PGD, measured on the PA-D2 metric
        n, checks = payload["numbers"], payload["checks"]
        df = payload["controls"][2]
        assert df["metric"] == checks[2]["metric"] and df["name"].startswith("DeepFool-L2")
        diff = n["deepfool_defense_rate"] - n["pgd_minimal_defense_rate"]
        assert df["value"] == pytest.approx(diff, nan_ok=True) and df["passed"] == (diff < 0)
        if df["passed"]:
            assert payload["status"] == "FAIL"
        controls = payload["controls"][:2]
    else:
        controls = payload["controls"]
    # the other nulls fail their checks on the tiny model: the check could have failed
    assert not any(c["passed"] for c in controls), controls


@pytest.mark.slow
@pytest.mark.parametrize("name", ["post-averaging-tradeoff", "post-averaging-paper-eval", "post-averaging-adaptive"])
def test_cifar_recipes_quick(cifar_root, tmp_path_factory, name):
    out = tmp_path_factory.getbasetemp() / "pa-runs"
    payload = run_recipe(name, quick=True, out=out, data_root=str(cifar_root), progress=False)
    if name == "post-averaging-paper-eval":
        # PA-D1 (≥ 0.8) is not reached for the FGSM sweep by our small CNN (README); what must hold: the defense
        # undoes most minimal transferred PGD adversarials, and fixed-ε PGD is defended far less (PA-D2)
        n = payload["numbers"]
        assert n["pgd_minimal_defense_rate"] > 0.5
        assert n["pgd_fixed_defense_rate"] < n["pgd_minimal_defense_rate"]
    else:
        assert payload["status"] in ("PASS", "FAIL") and payload["controls"]
