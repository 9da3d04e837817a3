"""The status contract of a recipe: PASS needs passing checks AND failing controls; SMOKE is never a PASS."""
import json

import pytest

from freqlens.recipes import Check, Control, Deviation, RecipeOutput, recipe_status
from freqlens.recipes.base import EXIT_CODES, REGISTRY, recipe, run_recipe


def test_control_takes_the_checks_comparison():
    check = Check.less("t_low - t_high", -3.0, 0.0)
    assert check.passed
    assert check.control("white noise", 1.0).passed is False
    assert check.control("shuffled labels", -1.0).passed is True
    assert Check.greater_equal("gain", 5.0, 5.0).holds_for(5.0)
    assert not Check.greater("gain", 6.0, 5.0).holds_for(5.0)


@pytest.mark.parametrize("checks, controls, smoke, expected", [
    ([True], [False], "", "PASS"),
    ([True], [False, False], "", "PASS"),
    ([True], [], "", "FAIL"),             # no null measured: the check cannot be trusted
    ([True], [False, True], "", "FAIL"),  # a null passes the check: it does not discriminate
    ([False], [False], "", "FAIL"),
    ([True], [False], "a dozen optimiser steps", "SMOKE"),
    ([False], [True], "too small", "SMOKE"),
])
def test_recipe_status(checks, controls, smoke, expected):
    cs = [Check("m", 0.0, 0.0, "<", ok) for ok in checks]
    ctrls = [Control("null", "m", 0.0, ok) for ok in controls]
    assert recipe_status(cs, ctrls, smoke) == expected


def test_deviation_must_say_when_it_was_decided():
    Deviation("gate", "0.1", "0.2", "spec metric undefined at quick size", "before")
    with pytest.raises(Exception, match="before"):
        Deviation("gate", "0.1", "0.2", "moved", "later")


def test_run_recipe_writes_status_controls_deviations(tmp_path):
    name = "_test-status-recipe"

    @recipe(name, paper="none", finding="a null fails the check")
    def _run(ctx):
        check = Check.less("x", -1.0, 0.0)
        return RecipeOutput(numbers={}, checks=[check], controls=[check.control("permutation", 0.5)],
                            deviations=[Deviation("size", "10", "5", "quick", "before")])

    try:
        payload = run_recipe(name, quick=True, out=tmp_path, progress=False)
    finally:
        REGISTRY.pop(name, None)
    saved = json.loads((tmp_path / name / "result.json").read_text())
    assert saved["status"] == payload["status"] == "PASS"
    assert saved["controls"] == [{"name": "permutation", "metric": "x", "value": 0.5, "passed": False, "detail": ""}]
    assert saved["deviations"][0]["decided"] == "before"
    assert EXIT_CODES == {"PASS": 0, "FAIL": 1, "SMOKE": 3}


def test_a_null_that_could_not_be_measured_guards_nothing():
    from freqlens.recipes.base import Check, recipe_status, unguarded_checks

    c = Check.greater("accuracy", 0.9, 0.5)
    nan_null = c.control("seed null that never reached the epoch", float("nan"))
    assert not nan_null.passed                     # NaN compares false: it would have counted as a failing null
    assert unguarded_checks([c], [nan_null]) == ["accuracy"]
    assert recipe_status([c], [nan_null]) == "FAIL"
    assert recipe_status([c], [nan_null, c.control("untrained", 0.1)]) == "PASS"
