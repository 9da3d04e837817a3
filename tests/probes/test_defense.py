"""The post-averaging evaluations with the L2 attacks (DeepFool, C&W; Lin et al.'s protocol: counted only
within the L∞ budget) and the Square Attack on the defended model (B8.4)."""
import pytest
import torch
from torch import nn

from freqlens.attacks import carlini_wagner_l2, deepfool
from freqlens.data import CIFAR10_MEAN, CIFAR10_STD
from freqlens.errors import ConfigError, InputError
from freqlens.interventions.post_averaging import PostAveraged
from freqlens.models import with_normalization
from freqlens.probes.defense import (
    PAPER_ATTACKS,
    DefenseEvaluation,
    evaluate_adaptive,
    evaluate_paper_protocol,
    resolve_attack_names,
)

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@pytest.fixture
def setup():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 16), nn.ReLU(), nn.Linear(16, 3))
    model = with_normalization(net, CIFAR10_MEAN, CIFAR10_STD).eval()
    x = torch.rand(24, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        y = model(x).argmax(1)
    y[:4] = (y[:4] + 1) % 3                      # four images the base model gets wrong: not attacked
    return model, x, y


def test_l2_attacks_are_counted_only_within_the_linf_budget(setup):
    model, x, y = setup
    defended = PostAveraged(model, 2.0, n_directions=3, seed=0)
    budget = 0.04
    ev = evaluate_paper_protocol(model, defended, x, y, attacks=("deepfool", "cw"), linf_budget=budget,
                                 cw_steps=40, cw_binary_search_steps=3)
    assert list(ev.attacks) == ["deepfool", "cw"]
    right = slice(4, None)
    for name, attack, kw in (("deepfool", deepfool, {}),
                             ("cw", carlini_wagner_l2, {"steps": 40, "binary_search_steps": 3})):
        a = ev.attacks[name]
        r = attack(model, x[right], y[right], **kw)
        adv, ok = r.adversarial, r.success
        linf = (adv - x[right]).flatten(1).abs().amax(1)
        expected = int((ok & (linf <= budget + 1e-6)).sum())
        assert a["n_attacked"] == 20 and a["n_counted"] == expected
        assert 0 < expected < 20 or name == "cw"              # the filter bites for DeepFool at this budget
        assert int(ok.sum()) > expected or expected == 20
        assert a["median_eps"] <= budget + 1e-6 and a["median_l2"] > 0
        assert 0.0 <= a["defense_rate"] <= 1.0
        # accuracy on the attacked set: adversarial where counted, else clean; the base model's 4 errors stay
        assert a["base_accuracy"] == pytest.approx((20 - expected) / 24)
    # a tighter budget can only count fewer
    tight = evaluate_paper_protocol(model, defended, x, y, attacks=("deepfool",), linf_budget=budget / 4)
    assert tight.attacks["deepfool"]["n_counted"] <= ev.attacks["deepfool"]["n_counted"]


def test_default_runs_all_attacks_and_short_names_resolve(setup):
    assert resolve_attack_names("fgsm,pgd,deepfool,cw") == ("fgsm_sweep", "pgd_minimal", "deepfool", "cw")
    assert resolve_attack_names(["pgd-fixed", "pgd_fixed", "cw"]) == ("pgd_fixed", "cw")
    model, x, y = setup
    defended = PostAveraged(model, 2.0, n_directions=2, seed=0)
    ev = evaluate_paper_protocol(model, defended, x[:8], y[:8], cw_steps=10, cw_binary_search_steps=2,
                                 deepfool_steps=20)
    assert tuple(ev.attacks) == PAPER_ATTACKS
    for a in ev.attacks.values():
        assert {"defense_rate", "n_counted", "base_accuracy", "defended_accuracy", "median_eps", "median_l2"} <= set(a)


@pytest.mark.parametrize("attacks", ["fgsm,lbfgs", [], ["deepfool", "spsa"]])
def test_unknown_or_empty_attack_names(setup, attacks):
    model, x, y = setup
    with pytest.raises(ConfigError) as info:
        evaluate_paper_protocol(model, PostAveraged(model, 2.0, n_directions=2), x, y, attacks=attacks)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kwargs", [{"cw_steps": 0}, {"deepfool_steps": 0}, {"cw_binary_search_steps": 0},
                                    {"minimal_pgd_steps": 0}])
def test_bad_attack_sizes(setup, kwargs):
    model, x, y = setup
    with pytest.raises(InputError, match=next(iter(kwargs))) as info:
        evaluate_paper_protocol(model, PostAveraged(model, 2.0, n_directions=2), x, y, attacks=("cw",), **kwargs)
    assert "\n" not in str(info.value)


def test_adaptive_square_attack_is_reported_next_to_eot_pgd(setup, tmp_path):
    model, x, y = setup
    defended = PostAveraged(model, 2.0, n_directions=2, seed=0)
    ev = evaluate_adaptive(model, defended, x, y, eps=0.2, steps=3, attacker_directions=2, include_paper_pgd=False,
                           square_queries=40, square_images=16)
    assert set(ev.attacks) == {"eot_pgd", "square"}
    sq = ev.attacks["square"]
    assert sq["n_images"] == 16 and sq["n_queries"] == 40 and 1 <= sq["median_queries"] <= 40
    assert sq["attacker_directions"] == 2
    # every image is attacked; a 0.2 L∞ budget breaks many of this tiny model's images through the defense
    assert sq["defended_accuracy"] <= sq["clean_accuracy_defended"] - 0.25
    assert sq["attacker_success_rate"] >= 0.5
    back = DefenseEvaluation.load(ev.save(tmp_path / "adaptive.json"))
    assert back.robust_accuracy("square") == ev.robust_accuracy("square")
    fig, _ = back.plot()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert any("Square" in t and "16 images" in t for t in labels)


@pytest.mark.parametrize("kwargs", [{"square_queries": -1}, {"square_queries": 2.5}, {"square_images": 0}])
def test_bad_square_arguments(setup, kwargs):
    model, x, y = setup
    with pytest.raises(InputError, match="square") as info:
        evaluate_adaptive(model, PostAveraged(model, 2.0, n_directions=2), x, y, steps=1, **kwargs)
    assert "\n" not in str(info.value)
