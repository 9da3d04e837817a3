"""The recipes' trained models, trained ahead of the recipes and several at once: what ``freqlens reproduce --all
--jobs N`` does first, so that a cold model cache costs the wall time of the longest chain of trainings, not
their sum.

A :class:`ModelJob` trains (or finds cached) one model that recipes share, through the same cached call the
recipes make (:func:`freqlens.models.cache.cached_model`, keyed by the model's configuration), so a recipe that
runs later loads it; a lock on each cache entry makes a second process wait for a model that another is
training instead of training it twice. Jobs are registered next to the recipes that use them with
:func:`model_job`.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from freqlens.errors import ConfigError
from freqlens.recipes.base import RecipeContext


@dataclass(frozen=True)
class ModelJob:
    """One cached model that recipes share, and how to train it.

    Args:
        name: what the model is ("cifar10 adversarial (shared)").
        recipes: the recipes that use it (a job runs ahead of a reproduction only when one of them is selected).
        train: ``train(ctx)`` trains the model into ``ctx.cache_dir`` or finds it there; a module-level function,
            so that a worker process can import it.
        cost: relative training time (1 = one natural quick model); the longest jobs start first.
        full_only: the recipes use the model at full size only (quick runs skip the job).

    Attributes:
        The arguments.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> job = ModelJob("demo", ("fprinciple-1d",), print)
        >>> job.cost, job.recipes
        (1.0, ('fprinciple-1d',))
    """

    name: str
    recipes: tuple[str, ...]
    train: Callable[[RecipeContext], Any]
    cost: float = 1.0
    full_only: bool = False


MODEL_JOBS: dict[str, ModelJob] = {}
"""Every registered model job, by name (filled when the recipe modules are imported)."""


def model_job(name: str, recipes: Iterable[str], cost: float = 1.0, full_only: bool = False):
    """Register a function ``train(ctx)`` as the :class:`ModelJob` ``name`` (a decorator; returns the function).

    Args:
        name: the job's name (unique).
        recipes: the recipes that use the model.
        cost: relative training time (1 = one natural quick CIFAR-10 model).
        full_only: the recipes need the model at full size only.

    Returns:
        The decorator.

    Raises:
        ConfigError: ``name`` is already registered by another function.

    Source:
        freqlens.

    Example:
        >>> @model_job("doc-demo-model", recipes=["fprinciple-1d"])
        ... def train_demo(ctx):
        ...     return None
        >>> MODEL_JOBS["doc-demo-model"].train is train_demo
        True
        >>> _ = MODEL_JOBS.pop("doc-demo-model")
    """
    def deco(fn: Callable[[RecipeContext], Any]):
        known = MODEL_JOBS.get(name)
        if known is not None and (known.train.__module__, known.train.__qualname__) != (fn.__module__,
                                                                                           fn.__qualname__):
            raise ConfigError(f"model job {name!r} is registered twice; give the second one another name")
        MODEL_JOBS[name] = ModelJob(name, tuple(recipes), fn, float(cost), bool(full_only))
        return fn

    return deco


def jobs_for(names: Iterable[str], quick: bool = False) -> list[ModelJob]:
    """The model jobs that the recipes ``names`` need, longest first.

    Args:
        names: recipe names.
        quick: the quick sizes (jobs marked ``full_only`` are left out).

    Returns:
        The jobs, sorted by decreasing cost, then name.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> [j.name for j in jobs_for(["fprinciple-1d"])]   # an embedded recipe trains no shared model
        []
    """
    from freqlens.recipes.base import list_recipes

    list_recipes()   # imports every recipe module, and with them their model jobs
    wanted = set(names)
    return sorted((j for j in MODEL_JOBS.values() if wanted & set(j.recipes) and not (quick and j.full_only)),
                  key=lambda j: (-j.cost, j.name))


def default_jobs(device: torch.device | str | None) -> int:
    """How many recipes or trainings ``reproduce --all`` runs at once by default: one on an accelerator (one
    device), else two on a CPU with two or more cores. On the 2-core CPU two single-threaded trainings of the quick
    model train no faster together than one two-threaded training (``benchmarks/parallel_training.py``: 0.98×), but
    the recipes, mostly small operations, do better one per core, and a recipe that needs no shared model runs
    while the other core trains: the cold quick run took 34 min with two workers, where the sum of its
    single-threaded work was about 67 min.

    Args:
        device: the device the recipes run on (None: the default device).

    Returns:
        1 or 2.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> default_jobs("cuda")
        1
    """
    import os

    from freqlens.device import resolve_device

    kind = torch.device(device).type if device is not None else resolve_device(None).type
    if kind != "cpu":
        return 1
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def worker_threads(jobs: int) -> int:
    """Intra-op threads per worker process when ``jobs`` run at once: the cores shared out, at least one.

    Args:
        jobs: number of worker processes.

    Returns:
        ``max(1, cpu_count // jobs)``.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> worker_threads(10_000)
        1
    """
    import os

    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def init_worker(threads: int) -> None:
    """Set up a worker process of a parallel reproduction: ``threads`` intra-op threads and one inter-op thread.

    Args:
        threads: intra-op threads (see :func:`worker_threads`).

    Returns:
        None.

    Raises:
        Nothing (an inter-op setting that torch no longer accepts is left as it is).

    Source:
        freqlens.

    Example:
        >>> before = torch.get_num_threads()
        >>> init_worker(1); torch.get_num_threads()
        1
        >>> torch.set_num_threads(before)
    """
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:        # already set in this process
        pass


def run_model_job(name: str, quick: bool, out: str, data_root: str | None, seed: int, device: str) -> dict[str, Any]:
    """Run one registered model job (in a worker process or in this one) and say how it went.

    Args:
        name: the job's name in :data:`MODEL_JOBS`.
        quick, out, data_root, seed, device: as for :func:`freqlens.recipes.base.run_recipe`; the model is cached
            under ``<out>/cache``.

    Returns:
        ``{"job", "seconds", "error"}`` (``error`` is "" when it trained or was found cached).

    Raises:
        Nothing: an error is returned as its one-line text.

    Source:
        freqlens.

    Example:
        >>> run_model_job("no-such-job", True, "runs", None, 0, "cpu")["error"]
        "KeyError: 'no-such-job'"
    """
    from freqlens.recipes.base import list_recipes

    start = time.perf_counter()
    error = ""
    try:
        list_recipes()
        job = MODEL_JOBS[name]
        ctx = RecipeContext(quick=quick, out_dir=Path(out) / "pretraining", data_root=data_root, seed=seed,
                            device=torch.device(device), progress=False)
        job.train(ctx)
    except Exception as exc:  # noqa: BLE001 - reported in the table; the recipe that needs it will say more
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    return {"job": name, "seconds": round(time.perf_counter() - start, 1), "error": error}
