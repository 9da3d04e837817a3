from freqlens.recipes.reproduction import measured_summary


def _check(metric, value, passed):
    return {"metric": metric, "value": value, "threshold": 1.0, "comparison": ">=", "passed": passed}


def test_measured_summary_shows_the_headline_when_everything_passes():
    checks = [_check("a", 2.0, True), _check("b", 3.0, True)]
    assert measured_summary({"check": checks[0], "checks": checks}) == "a = 2 (>= 1)"


def test_measured_summary_shows_the_first_failing_check_and_counts_the_others():
    checks = [_check("a", 2.0, True), _check("b", 0.5, False), _check("c", 0.25, False), _check("d", 0.1, False)]
    assert measured_summary({"check": checks[0], "checks": checks}) == "b = 0.5 (>= 1); 2 more checks failed"
    assert measured_summary({"check": checks[0], "checks": checks[:3]}) == "b = 0.5 (>= 1); 1 more check failed"
