import math

import pytest
import torch

pl = pytest.importorskip("lightning.pytorch", reason="the `lightning` extra is not installed")

from freqlens.data import sinusoid_target_1d  # noqa: E402
from freqlens.dynamics import ProjectionTracker  # noqa: E402
from freqlens.integrations.lightning import FreqlensCallback  # noqa: E402
from freqlens.models import MLP  # noqa: E402


class _Regressor(pl.LightningModule):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = MLP(1, 1, width=64, depth=2, activation="tanh")

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, _):
        x, y = batch
        return torch.nn.functional.mse_loss(self(x), y)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=3e-3)


def test_tracker_runs_inside_trainer_fit_and_logs_scalars(tmp_path):
    data = sinusoid_target_1d(200, (1, 5))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data.x, data.y), batch_size=200)
    tracker = ProjectionTracker(data.x, data.y, direction=[1.0], freqs=torch.arange(20) / (2 * math.pi))
    trainer = pl.Trainer(max_epochs=300, callbacks=[FreqlensCallback([tracker])], logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         default_root_dir=tmp_path, accelerator="cpu")
    trainer.fit(_Regressor(), loader)
    res = tracker.result()
    assert res.epochs[0] == 0 and res.epochs[-1] == 300 and len(res.epochs) == 301
    keys = [k for k in trainer.callback_metrics if k.startswith("freqlens/delta_f")]
    assert len(keys) == 2
    t_low, t_high = res.converged_epochs(0.2)
    assert t_low is not None and (t_high is None or t_low < t_high)  # the F-Principle, seen through Lightning
