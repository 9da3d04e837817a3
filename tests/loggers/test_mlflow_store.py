"""freqlens/loggers/mlflow_store.py: MLflow-safe keys, metrics and exact image artifacts in a local file store."""
import numpy as np
import pytest

from freqlens.loggers.mlflow_store import mlflow_key


def test_mlflow_key_replaces_only_forbidden_characters():
    assert mlflow_key("fprinciple/e_low/delta=3") == "fprinciple/e_low/delta_3"
    assert mlflow_key("hfc/lfc_acc/test/r=4") == "hfc/lfc_acc/test/r_4"
    assert mlflow_key("a-b.c d_e/f") == "a-b.c d_e/f"
    assert mlflow_key("x:y,z") == "x_y_z"


def test_metrics_and_images_read_back(tmp_path):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    from freqlens.loggers.mlflow_store import MLflowLogger

    with MLflowLogger(tmp_path / "mlruns", run_name="t") as ml:
        ml.log_scalars({"fprinciple/e_low/delta=3": 0.5}, step=0)
        ml.log_scalars({"fprinciple/e_low/delta=3": 0.25}, step=2)
        ml.log_image("heatmap/error", np.arange(6.0).reshape(2, 3), step=1)
        run_id, uri = ml.run_id, ml.tracking_uri
    client = MlflowClient(tracking_uri=uri)
    hist = sorted(client.get_metric_history(run_id, "fprinciple/e_low/delta_3"), key=lambda m: m.step)
    assert [(m.step, m.value) for m in hist] == [(0, 0.5), (2, 0.25)]
    assert client.get_run(run_id).info.status == "FINISHED"
    path = client.download_artifacts(run_id, "images/heatmap/error/step_1.npy", str(tmp_path))
    assert np.array_equal(np.load(path), np.arange(6.0).reshape(2, 3))
