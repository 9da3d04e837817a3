"""The model jobs that `reproduce --all --jobs N` trains ahead of the recipes (freqlens/recipes/pretraining.py)."""
import pytest

from freqlens.errors import ConfigError
from freqlens.recipes.pretraining import (
    MODEL_JOBS,
    default_jobs,
    jobs_for,
    model_job,
    run_model_job,
    worker_threads,
)


def test_jobs_for_a_recipe_are_the_models_it_loads_longest_first():
    names = [j.name for j in jobs_for(["lowpass-highpass"])]
    assert names[0].startswith("cifar10 trained on") and set(names) == {
        "cifar10 natural (shared)", "cifar10 trained on high-pass images (lowpass-highpass)",
        "cifar10 trained on low-pass images (lowpass-highpass)"}
    # the low-pass-trained model is an ungated point of the figure, trained at full size only
    assert "cifar10 trained on low-pass images (lowpass-highpass)" not in [
        j.name for j in jobs_for(["lowpass-highpass"], quick=True)]
    every = jobs_for(["adversarial-spectra", "fourier-attack"])
    assert every[0].name == "cifar10 adversarially trained (shared)"      # the costliest starts first
    assert {j.name for j in every} == {"cifar10 adversarially trained (shared)", "cifar10 natural (shared)",
                                       "cifar10 natural at seed + 1 (the shared seed null)"}
    assert jobs_for(["fprinciple-1d", "lfp-1d"]) == []


def test_every_model_job_names_recipes_that_exist():
    from freqlens.recipes import list_recipes

    known = {r.name for r in list_recipes()}
    assert MODEL_JOBS and all(set(j.recipes) <= known for j in MODEL_JOBS.values())


def test_a_job_name_registered_twice_by_another_function_is_refused():
    @model_job("test-twice", ["fprinciple-1d"])
    def first(ctx):
        return None

    try:
        with pytest.raises(ConfigError, match="registered twice"):
            @model_job("test-twice", ["fprinciple-1d"])
            def second(ctx):
                return None
    finally:
        MODEL_JOBS.pop("test-twice")


def test_a_failing_job_is_reported_in_one_line_not_raised(tmp_path):
    result = run_model_job("cifar10 natural (shared)", True, str(tmp_path), str(tmp_path / "none"), 0, "cpu")
    assert result["error"].startswith("DataError") and "\n" not in result["error"]


def test_default_jobs_and_threads():
    assert default_jobs("cuda") == 1 and default_jobs("cpu") in (1, 2)
    assert worker_threads(1) >= 1 and worker_threads(10 ** 6) == 1
