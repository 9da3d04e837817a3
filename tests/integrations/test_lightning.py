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
    keys = [k for k in trainer.callback_metrics if k.startswith("freqlens/fprinciple/delta_f")]
    assert len(keys) == 2
    t_low, t_high = res.converged_epochs(0.2)
    assert t_low is not None and (t_high is None or t_low < t_high)  # the F-Principle, seen through Lightning


def test_spectral_norm_and_hfc_trackers_log_through_the_adapter(tmp_path):
    from freqlens.dynamics import HFCTracker, SpectralNormTracker

    g = torch.Generator().manual_seed(0)
    x = torch.rand(32, 3, 8, 8, generator=g)
    y = torch.arange(32) % 2

    class Tiny(pl.LightningModule):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(),
                                           torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 2))

        def forward(self, inp):
            return self.net(inp)

        def training_step(self, batch, _):
            return torch.nn.functional.cross_entropy(self(batch[0]), batch[1])

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-2)

    norms = SpectralNormTracker(every=1)
    hfc = HFCTracker(test=(x, y), radii=(2, 3), every=1)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)
    trainer = pl.Trainer(max_epochs=2, callbacks=[FreqlensCallback([norms, hfc])], logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         default_root_dir=tmp_path, accelerator="cpu")
    trainer.fit(Tiny(), loader)
    keys = set(trainer.callback_metrics)
    assert any(k.startswith("freqlens/spectral_norm/sigma_max/") for k in keys)
    assert {"freqlens/hfc/lfc_acc/test/r=2", "freqlens/hfc/hfc_acc/test/r=3", "freqlens/hfc/clean_acc/test"} <= keys
    # σ_max logged is the true largest singular value of the layer's weight
    w = trainer.lightning_module.net[4].weight.detach()
    assert abs(float(trainer.callback_metrics["freqlens/spectral_norm/sigma_max/net.4.weight"]) -
               float(torch.linalg.matrix_norm(w, 2))) < 1e-4
