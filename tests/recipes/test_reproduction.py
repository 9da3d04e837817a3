"""The reproduction table: rows for every recipe asked for, the status from checks and nulls, ERROR rows for a
recipe that raises, and the markdown table with the null's value beside the measured one."""
import pytest

from freqlens.recipes.base import REGISTRY, Check, RecipeOutput, recipe
from freqlens.recipes.reproduction import control_summary, reproduce_all


@pytest.fixture
def demo_recipes():
    @recipe("demo-pass", paper="none", finding="2 > 1")
    def ok(ctx):
        check = Check.greater("two", 2.0, 1.0)
        return RecipeOutput(numbers={}, checks=[check], controls=[check.control("one", 1.0)])

    @recipe("demo-null-passes", paper="none", finding="2 > 1")
    def leaky(ctx):
        check = Check.greater("two", 2.0, 1.0)
        return RecipeOutput(numbers={}, checks=[check], controls=[check.control("three", 3.0)])

    @recipe("demo-raises", paper="none", finding="-")
    def broken(ctx):
        raise RuntimeError("boom")

    yield ["demo-pass", "demo-null-passes", "demo-raises"]
    for name in ("demo-pass", "demo-null-passes", "demo-raises"):
        REGISTRY.pop(name)


def test_table_rows_status_nulls_and_errors(demo_recipes, tmp_path):
    rows = reproduce_all(out=tmp_path, names=demo_recipes)
    status = {r["recipe"]: r["status"] for r in rows}
    assert status == {"demo-pass": "PASS", "demo-null-passes": "FAIL", "demo-raises": "ERROR"}
    leaky = next(r for r in rows if r["recipe"] == "demo-null-passes")
    assert leaky["passing_controls"] == ["three"] and "passes" in leaky["control"]
    table = (tmp_path / "reproduction.md").read_text()
    assert "demo-pass" in table and "RuntimeError: boom" in table
    assert (tmp_path / "reproduction.json").is_file()


def test_control_summary_names_every_null():
    text = control_summary({"controls": [{"name": "untrained", "value": 0.1, "passed": False},
                                         {"name": "shuffled", "value": 0.5, "passed": True}]})
    assert "untrained" in text and "shuffled" in text


def test_control_summary_names_a_null_run_against_several_checks_once():
    text = control_summary({"controls": [{"name": "lookup table", "value": 1e-8, "passed": False},
                                         {"name": "untrained", "value": 0.02, "passed": False},
                                         {"name": "lookup table", "value": 0.5, "passed": True}]})
    assert text.count("lookup table") == 1 and text.count("untrained") == 1
    assert text.startswith("lookup table: 1e-08 | 0.5 (passes: check does not discriminate) (one value per check)")


def test_parallel_reproduction_gives_the_rows_of_a_sequential_run(tmp_path):
    names = ["fprinciple-theorem", "kernel-fprinciple-regimes"]
    seq = reproduce_all(quick=True, out=tmp_path / "seq", names=names, jobs=1)
    reported = []
    par = reproduce_all(quick=True, out=tmp_path / "par", names=names, jobs=2, report=reported.append)
    assert [r["recipe"] for r in par] == names                       # the table keeps the recipes' order
    assert [r["status"] for r in par] == [r["status"] for r in seq] and all(r["status"] != "ERROR" for r in par)
    assert [r["measured"] for r in par] == [r["measured"] for r in seq]
    assert sorted(r["recipe"] for r in reported) == sorted(names)   # embedded recipes: no model job
    assert (tmp_path / "par" / "reproduction.md").is_file()
    import json

    record = json.loads((tmp_path / "par" / "reproduction.json").read_text())
    assert record["jobs"] == 2 and record["wall_seconds"] > 0 and record["pretraining"] == []
    assert "with 2 worker process(es)" in (tmp_path / "par" / "reproduction.md").read_text()


def test_jobs_below_one_is_refused(tmp_path):
    import pytest

    from freqlens.errors import ConfigError

    with pytest.raises(ConfigError, match="jobs must be"):
        reproduce_all(out=tmp_path, names=["fprinciple-1d"], jobs=0)


def test_parallel_schedule_trains_models_first_then_runs_free_recipes_before_those_that_wait_for_models():
    from freqlens.recipes.reproduction import parallel_schedule

    names = ["lowpass-highpass", "fprinciple-1d", "adversarial-spectra", "lfp-1d"]
    plan = parallel_schedule(names, {"lfp-1d": 9.0, "fprinciple-1d": 1.0}, quick=True)
    kinds = [k for k, _ in plan]
    assert kinds == ["model"] * kinds.count("model") + ["recipe"] * len(names)
    assert plan[0] == ("model", "cifar10 adversarially trained (shared)")            # the longest job first
    recipes = [n for k, n in plan if k == "recipe"]
    assert recipes[:2] == ["lfp-1d", "fprinciple-1d"]        # need no model: they run while models train
    assert set(recipes[2:]) == {"lowpass-highpass", "adversarial-spectra"}
