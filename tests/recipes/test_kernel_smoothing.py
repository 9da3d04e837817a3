"""kernel-smoothing (Wang et al. 2020 Table 2 scaled down) on tiny stand-in models: the table holds every model × ρ
and the "scale only" null, FGSM accuracy is minimal-ε (monotone in ε), smoothing lowers roughness, and the null
(first layer × 9 with BN re-estimated) fails both gated comparisons."""
import pytest
from recipe_stubs import assert_status_contract, tiny_patch

from freqlens.recipes import get_recipe
from freqlens.recipes.base import RecipeContext
from freqlens.recipes.kernel_smoothing import RHOS, kernel_smoothing


def test_registration_and_the_rho_grid():
    rec = get_recipe("kernel-smoothing")
    assert rec.run is kernel_smoothing and rec.data == "cifar10"
    assert RHOS[0] == 0.0 and RHOS[-1] == 1.0 and list(RHOS) == sorted(RHOS)   # ρ = 0 is the unsmoothed baseline


def test_kernel_smoothing_recipe_path_on_tiny_models(monkeypatch, tmp_path):
    import freqlens.recipes.kernel_smoothing as ks

    tiny_patch(monkeypatch, ks)
    out = ks.kernel_smoothing(RecipeContext(quick=True, out_dir=tmp_path, progress=False))
    t = out.numbers["table"]
    assert len(t) == 11 and (tmp_path / "kernels.png").exists()
    for v in t.values():
        accs = list(v["fgsm_min_eps"].values())
        assert all(b <= a for a, b in zip(accs, accs[1:]))  # minimal-ε semantics: monotone in ε
    assert t["natural ρ=1"]["roughness"] < t["natural ρ=0"]["roughness"]
    # the "scale only" null: with BatchNorm after the first conv and its statistics re-estimated, ×9 changes
    # nothing, so the null fails both the clean-drop and the robustness-rise checks
    scaled = t["natural ×9 (scale only)"]
    assert scaled["clean"] == pytest.approx(t["natural ρ=0"]["clean"], abs=1 / 12 + 1e-9)
    status = assert_status_contract(out)
    assert status in ("PASS", "FAIL")
    assert [c.metric for c in out.controls] == [out.checks[0].metric, out.checks[1].metric, out.checks[2].metric]
    scale_nulls = [out.controls[0], out.controls[2]]
    assert all(c.name.startswith("first layer × 9 without smoothing") for c in scale_nulls)
    assert not any(c.passed for c in scale_nulls)
    clean = [t[f"natural ρ={r:g}"]["clean"] for r in RHOS]
    # the monotonicity check's null: the same accuracies in reverse ρ order, with the check's own comparison
    rev = out.controls[1]
    assert rev.name.startswith("the same clean accuracies in reverse ρ order")
    assert rev.value == float(all(b <= a + 0.01 for a, b in zip(clean[::-1], clean[::-1][1:])))
    assert rev.passed == (rev.value >= 1) and (status == "FAIL" or not rev.passed)
    assert out.checks[0].value == pytest.approx(clean[-1] - (clean[0] - 0.05))

