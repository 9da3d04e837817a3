"""End-to-end F-Principle recipes. The quick 1-D and theorem recipes run in tests/commands; the rest here,
the data-hungry or longer ones marked slow."""
import pytest

from freqlens.recipes import run_recipe


def test_jacobi_quick(tmp_path):
    p = run_recipe("fprinciple-jacobi", quick=True, out=tmp_path, progress=False)
    assert p["passed"], p["checks"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["fprinciple-mnist1d", "fprinciple-init-scale"])
def test_embedded_recipes_quick(tmp_path, name):
    p = run_recipe(name, quick=True, out=tmp_path, progress=False)
    assert p["passed"], p["checks"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["fprinciple-mnist", "fprinciple-cifar10"])
def test_data_recipes_quick(tmp_path, name, data_root):
    p = run_recipe(name, quick=True, out=tmp_path, data_root=str(data_root), progress=False)
    assert p["passed"], p["checks"]
