"""The loggers package: fit(logger=) sends every tracker record, through TensorBoard and MLflow too (read back)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from freqlens.dynamics.fprinciple import FilteringTracker
from freqlens.errors import InputError
from freqlens.loggers import Logger, MemoryLogger
from freqlens.train import fit


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(32, 1, generator=g) * 2 - 1
    return x, torch.sin(3 * x)


def _run(logger, every=2, epochs=4):
    x, y = _data()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    tracker = FilteringTracker(x, y, deltas=[0.5], every=every)
    fit(model, (x, y), epochs=epochs, lr=1e-2, callbacks=[tracker], progress=False, logger=logger)
    return tracker


def test_fit_logs_every_record_of_a_sparse_tracker_at_its_epoch():
    log = MemoryLogger()
    assert isinstance(log, Logger)
    tracker = _run(log, every=2, epochs=5)
    series = log.series("fprinciple/e_low/delta=0.5")
    assert [s for s, _ in series] == [0, 2, 4, 5]          # before training, every 2 epochs, and the last one
    assert [v for _, v in series] == pytest.approx([float(e[0]) for e in tracker.e_low])
    assert [s for s, _ in log.series("train/loss")] == [1, 2, 3, 4, 5]


def test_fit_rejects_a_non_logger_in_one_line():
    x, y = _data()
    with pytest.raises(InputError, match="log_scalars"):
        fit(torch.nn.Linear(1, 1), (x, y), epochs=1, progress=False, logger=object())


def test_tensorboard_event_files_read_back(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from freqlens.loggers import TensorBoardLogger

    with TensorBoardLogger(tmp_path) as tb:
        tracker = _run(tb, every=2, epochs=4)
        tb.log_image("heatmap/error", np.array([[0.0, 1.0], [2.0, np.nan]]), step=3)
    acc = EventAccumulator(str(tmp_path), size_guidance={"images": 0, "scalars": 0}).Reload()
    events = acc.Scalars("fprinciple/e_low/delta=0.5")
    assert [e.step for e in events] == [0, 2, 4]
    assert [e.value for e in events] == pytest.approx([float(e[0]) for e in tracker.e_low], rel=1e-6)
    (img,) = acc.Images("heatmap/error")
    assert img.step == 3 and (img.width, img.height) == (2, 2)


def test_mlflow_file_store_runs_read_back(tmp_path):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    from freqlens.loggers import MLflowLogger

    with MLflowLogger(tmp_path / "mlruns", run_name="t") as ml:
        tracker = _run(ml, every=2, epochs=4)
        ml.log_image("heatmap/error", np.eye(3), step=1)
        run_id, uri = ml.run_id, ml.tracking_uri
    client = MlflowClient(tracking_uri=uri)
    hist = client.get_metric_history(run_id, "fprinciple/e_low/delta_0.5")
    assert sorted(m.step for m in hist) == [0, 2, 4]
    assert [m.value for m in sorted(hist, key=lambda m: m.step)] == pytest.approx([float(e[0]) for e in tracker.e_low])
    assert client.get_run(run_id).info.status == "FINISHED"
    path = client.download_artifacts(run_id, "images/heatmap/error/step_1.npy", str(tmp_path))
    assert np.array_equal(np.load(path), np.eye(3))
