"""Reuse of a report section saved by an earlier run, only when it was made by the same model, data, settings and
freqlens version (:mod:`freqlens.fingerprint`); otherwise recompute it and say why."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from freqlens.fingerprint import load_if_fresh


def reuse_or_compute(path: str | os.PathLike, result_type, compute: Callable[[], object], fingerprint: dict,
                     stale_files: tuple[str | os.PathLike, ...] = ()) -> tuple[object, str | None]:
    """The section result saved at ``path`` when its fingerprint matches, else ``compute()`` saved with it.

    Args:
        path: the section's result ``.json`` (its arrays go to the ``.npz`` beside it).
        result_type: the :class:`freqlens.results.Result` subclass saved there.
        compute: ``() -> result``, called when nothing reusable is saved.
        fingerprint: this run's :func:`freqlens.fingerprint.fingerprint` of the section.
        stale_files: files that belong to a stale saved result (e.g. its checkpoint), removed before recomputing.

    Returns:
        ``(result, note)``: ``note`` is ``None`` when the saved result was reused or none existed, else a sentence
        such as ``"recomputed: the saved result differs in the model weights"``.

    Raises:
        CheckpointError when a matching saved file is corrupt.

    Source: freqlens.

    Example:
        >>> import tempfile, numpy as np
        >>> from dataclasses import dataclass
        >>> from freqlens.results import Result
        >>> from freqlens.fingerprint import fingerprint
        >>> @dataclass
        ... class R(Result):
        ...     v: float
        >>> p = Path(tempfile.mkdtemp()) / "r.json"
        >>> reuse_or_compute(p, R, lambda: R(1.0), fingerprint(eps=4.0))
        (R(v=1.0), None)
        >>> reuse_or_compute(p, R, lambda: R(2.0), fingerprint(eps=4.0))
        (R(v=1.0), None)
        >>> reuse_or_compute(p, R, lambda: R(3.0), fingerprint(eps=8.0))[1]
        'recomputed: the saved result differs in settings.eps (4.0 saved, 8.0 now)'
    """
    path = Path(path)
    result, diff = load_if_fresh(path, result_type, fingerprint)
    if result is not None:
        return result, None
    note = None
    if diff is not None:
        note = (f"recomputed: {diff}" if diff.startswith("no ") else
                f"recomputed: the saved result differs in {diff}")
        for f in (path, path.with_suffix(".npz"), *map(Path, stale_files)):
            if f.exists():
                f.unlink()
    result = compute()
    result.save(path, fingerprint=fingerprint)
    return result, note
