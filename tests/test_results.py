"""freqlens.results: one class per type tag, freqlens.load dispatches on it, wrong files give one-line errors."""
import dataclasses
import importlib
import json
import pkgutil

import numpy as np
import pytest

import freqlens
from freqlens.errors import CheckpointError
from freqlens.results import _REGISTRY, RESULT_MODULES, Result, load, result_class


def _import_everything():
    for info in pkgutil.walk_packages(freqlens.__path__, "freqlens."):
        if info.name.startswith("freqlens.integrations"):  # optional extras (lightning)
            continue
        importlib.import_module(info.name)


def test_result_table_names_every_subclass_once():
    _import_everything()
    found = {name: cls.__module__ for name, cls in _REGISTRY.items() if cls.__module__.startswith("freqlens.")}
    assert found == RESULT_MODULES


def test_two_result_classes_with_one_name_are_refused():
    with pytest.raises(TypeError, match="two Result classes are named HeatmapResult"):
        @dataclasses.dataclass
        class HeatmapResult(Result):  # noqa: F811 - the clash is the point
            x: int = 0


def _sample(annotation: str):
    a = str(annotation)
    if "ndarray" in a or "Tensor" in a:
        return np.arange(6, dtype=np.float64).reshape(2, 3)
    if a.startswith("dict"):
        return {"a": [0.25, 0.5]}
    if a.startswith(("list", "tuple", "Sequence")):
        return [1, 2]
    if a.startswith("float"):
        return 0.5
    if a.startswith("int"):
        return 3
    if a.startswith("bool"):
        return True
    if a.startswith("str"):
        return "x"
    return None


@pytest.mark.parametrize("name", sorted(RESULT_MODULES))
def test_every_result_round_trips_through_freqlens_load(name, tmp_path):
    cls = result_class(name)
    kwargs = {f.name: _sample(f.type) for f in dataclasses.fields(cls) if f.init}
    original = cls(**kwargs)
    original.save(tmp_path / "r.json")
    back = load(tmp_path / "r.json")
    assert type(back) is cls
    assert back.to_dict() == original.to_dict()


def test_the_two_filtering_results_have_distinct_names_and_refuse_each_other(tmp_path):
    from freqlens.dynamics.fprinciple import FilteringHistory
    from freqlens.probes.filtering import FilteredAccuracy

    FilteredAccuracy(bandwidths=[3, 7], accuracy={"low": [0.5, 0.75]}).save(tmp_path / "probe.json")
    with pytest.raises(CheckpointError, match="holds a FilteredAccuracy, not a FilteringHistory") as err:
        FilteringHistory.load(tmp_path / "probe.json")
    assert "\n" not in str(err.value)


def test_files_saved_under_the_old_shared_name_load_as_the_right_class(tmp_path):
    from freqlens.dynamics.fprinciple import FilteringHistory
    from freqlens.probes.filtering import FilteredAccuracy

    probe = {"type": "FilteringResult", "fields": {"bandwidths": [3], "accuracy": {"low": [0.5]},
                                                   "clean_accuracy": 0.9, "n_images": 10, "label": ""}, "arrays": []}
    (tmp_path / "p.json").write_text(json.dumps(probe))
    assert isinstance(load(tmp_path / "p.json"), FilteredAccuracy)
    assert FilteredAccuracy.load(tmp_path / "p.json").clean_accuracy == 0.9

    FilteringHistory(epochs=[0, 1], deltas=[5.0], e_low=np.zeros((2, 1)), e_high=np.ones((2, 1))).save(
        tmp_path / "h.json")
    payload = json.loads((tmp_path / "h.json").read_text())
    payload["type"] = "FilteringResult"
    (tmp_path / "h.json").write_text(json.dumps(payload))
    back = load(tmp_path / "h.json")
    assert isinstance(back, FilteringHistory) and back.e_high.shape == (2, 1)


@pytest.mark.parametrize("content, match", [
    (None, "does not exist"),
    ("not json {", "not valid JSON"),
    ("[1, 2]", "not a freqlens result file"),
    ('{"fields": {}}', "no result type tag"),
    ('{"type": "NoSuchResult", "fields": {}}', "unknown result type 'NoSuchResult'"),
    ('{"type": "FilteredAccuracy", "fields": {"epochs": [1]}}', "does not match FilteredAccuracy"),
])
def test_unknown_or_corrupt_files_give_one_line_errors(tmp_path, content, match):
    path = tmp_path / "r.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(CheckpointError, match=match) as err:
        load(path)
    assert "\n" not in str(err.value)
