"""LFP and kernel-regime recipes: fast end-to-end runs of the cheap ones, the network pieces at tiny size."""
import pytest
import torch

from freqlens.recipes import get_recipe, run_recipe
from freqlens.recipes.lfp import ASIReLUNet, train_lbfgs


@pytest.mark.parametrize("name", ["kernel-fprinciple-regimes", "lfp-generalization"])
def test_cheap_recipes_quick_pass(name, tmp_path):
    payload = run_recipe(name, quick=True, out=tmp_path, progress=False)
    assert payload["passed"], [c for c in payload["checks"] if not c["passed"]]
    assert (tmp_path / name / "figure.png").is_file()
    assert get_recipe(name).paper_value


def test_kernel_regimes_numbers_show_both_regimes(tmp_path):
    payload = run_recipe("kernel-fprinciple-regimes", quick=True, out=tmp_path, progress=False)
    r = payload["numbers"]["h=0.5"]
    times = dict(zip(r["modes"], r["convergence_time"]))
    assert r["k_star"] == pytest.approx(2 ** 0.5 / 0.5)
    assert times[1] > times[2]           # below k*: reversed
    assert times[3] < times[5] < times[8]  # above k*: F-Principle


def test_asi_net_starts_at_zero_and_lbfgs_interpolates():
    net = ASIReLUNet(50, 1, a_std=1.0, seed=0)
    x = torch.tensor([[-1.0], [0.0], [0.7]], dtype=torch.float64)
    y = torch.tensor([0.3, -0.2, 0.5], dtype=torch.float64)
    assert torch.all(net(x) == 0)
    assert train_lbfgs(net, x, y) < 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lfp-1d", "lfp-xor"])
def test_network_recipes_quick_pass(name, tmp_path):
    payload = run_recipe(name, quick=True, out=tmp_path, progress=False)
    assert payload["passed"], [c for c in payload["checks"] if not c["passed"]]
