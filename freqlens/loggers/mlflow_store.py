"""MLflow adapter with a local file store (optional extra ``mlflow``, i.e. ``mlflow-skinny``).

MLflow metric names allow letters, digits, ``_ - . / space``; other characters of freqlens keys (``=`` in
``e_low/delta=3``, ``:``, ``,``) become ``_``. Images are stored as artifacts ``images/<key>/step_<n>.npy``
(the exact values) next to a grey PNG.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import numpy as np

from freqlens.errors import MissingDependencyError
from freqlens.loggers.protocol import check_image_array, to_unit_range

_BAD = re.compile(r"[^A-Za-z0-9_\-. /]")


def mlflow_key(key: str) -> str:
    """``key`` with the characters MLflow rejects replaced by ``_`` (``"e_low/delta=3"`` → ``"e_low/delta_3"``).

    Args:
        key: a freqlens key (slash-namespaced).

    Returns:
        The key with every character other than letters, digits and ``_ - . / space`` replaced by ``_``.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> mlflow_key("fprinciple/e_low/delta=3")
        'fprinciple/e_low/delta_3'
    """
    return _BAD.sub("_", str(key))


class MLflowLogger:
    """A :class:`freqlens.loggers.Logger` writing one MLflow run into a local file store.

    Args:
        store: folder of the file store (``file:`` tracking URI), created if needed; or any MLflow tracking URI.
            A folder sets ``MLFLOW_ALLOW_FILE_STORE=true`` (unless already set), which MLflow 3 requires for
            file stores.
        experiment: experiment name (created if absent).
        run_name: name of the run.

    Attributes:
        tracking_uri: the MLflow tracking URI used.
        client: the ``MlflowClient``.
        run_id: the run's id. ``log_scalars``/``log_image`` record; ``close()`` (or leaving ``with``) ends the run.

    Raises:
        MissingDependencyError: ``mlflow`` (``mlflow-skinny``) is not installed.

    Source:
        freqlens.

    Example:
        >>> import tempfile
        >>> with MLflowLogger(tempfile.mkdtemp()) as ml:   # doctest: +SKIP
        ...     ml.log_scalars({"hfc/clean_acc/test": 91.0}, step=2)
    """

    def __init__(self, store: str | os.PathLike, experiment: str = "freqlens", run_name: str | None = None):
        try:
            from mlflow.tracking import MlflowClient
        except ImportError as exc:
            raise MissingDependencyError("MLflowLogger needs mlflow: pip install 'freqlens[mlflow]'") from exc
        if "://" in str(store):       # any tracking URI (sqlite:///runs.db, http://...) is used as given
            self.tracking_uri = str(store)
        else:
            path = Path(store).resolve()
            path.mkdir(parents=True, exist_ok=True)
            self.tracking_uri = path.as_uri()
            # MLflow ≥ 3 refuses new file stores unless this is set; a local folder is what was asked for.
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        self.client = MlflowClient(tracking_uri=self.tracking_uri)
        exp = self.client.get_experiment_by_name(experiment)
        exp_id = exp.experiment_id if exp is not None else self.client.create_experiment(experiment)
        self.run_id = self.client.create_run(exp_id, run_name=run_name).info.run_id
        self._closed = False

    def log_scalars(self, values: dict[str, float], step: int) -> None:
        """Each value as metric ``mlflow_key(key)`` at ``step``."""
        import time

        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [Metric(mlflow_key(k), float(v), now, int(step)) for k, v in values.items()]
        if metrics:
            self.client.log_batch(self.run_id, metrics=metrics)

    def log_image(self, key: str, array: np.ndarray, step: int) -> None:
        """The array as ``images/<key>/step_<step>.npy`` (exact values) and ``.png`` (grey, min–max scaled)."""
        arr = check_image_array(key, array)
        folder = f"images/{mlflow_key(key)}"
        with tempfile.TemporaryDirectory() as tmp:
            npy = Path(tmp) / f"step_{int(step)}.npy"
            np.save(npy, arr)
            self.client.log_artifact(self.run_id, str(npy), artifact_path=folder)
            try:
                from PIL import Image

                grey = to_unit_range(arr) if arr.ndim == 2 else np.clip(arr, 0, 1)
                png = Path(tmp) / f"step_{int(step)}.png"
                Image.fromarray((grey * 255).round().astype(np.uint8)).save(png)
                self.client.log_artifact(self.run_id, str(png), artifact_path=folder)
            except ImportError:  # pragma: no cover - pillow comes with matplotlib
                pass

    def close(self) -> None:
        """End the run (status FINISHED)."""
        if not self._closed:
            self.client.set_terminated(self.run_id)
            self._closed = True

    def __enter__(self) -> MLflowLogger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
