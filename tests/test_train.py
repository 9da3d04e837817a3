import pytest
import torch
from torch import nn

from freqlens.errors import CheckpointError, InputError, ModelOutputError
from freqlens.inference import accuracy
from freqlens.models import MLP
from freqlens.train import Callback, fit


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(120, 5, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    return x, y


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 3))


class _Interrupt(Callback):
    def __init__(self, at):
        self.at = at

    def on_epoch_end(self, state):
        if state.epoch == self.at:
            raise KeyboardInterrupt


def test_resume_after_interruption_is_bit_identical(tmp_path):
    x, y = _data()
    ref = _model()
    h_ref = fit(ref, (x, y), 6, loss="cross_entropy", batch_size=16, progress=False, seed=3)
    ck = tmp_path / "run.ckpt"
    model = _model()
    with pytest.raises(KeyboardInterrupt):
        fit(model, (x, y), 6, loss="cross_entropy", batch_size=16, progress=False, seed=3, checkpoint=ck,
            callbacks=[_Interrupt(4)])
    model = _model()  # a fresh process would start from scratch and resume from the file
    h = fit(model, (x, y), 6, loss="cross_entropy", batch_size=16, progress=False, seed=3, checkpoint=ck, resume=True)
    for p, q in zip(ref.parameters(), model.parameters()):
        assert torch.equal(p, q)
    assert h.losses == h_ref.losses


def test_training_reduces_loss_and_learns():
    x, y = _data()
    model = _model()
    h = fit(model, (x, y), 40, loss="cross_entropy", lr=1e-2, progress=False)
    assert h.losses[-1] < 0.5 * h.losses[0]
    assert accuracy(model, x, y) > 0.85


def test_dataloader_input_and_global_rng_untouched():
    x, y = _data()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32, shuffle=True)
    model = _model()
    torch.manual_seed(123)
    before = torch.get_rng_state()
    fit(model, loader, 2, loss="cross_entropy", progress=False)
    assert torch.equal(before, torch.get_rng_state())


def test_checkpoint_for_another_configuration_is_refused(tmp_path):
    x, y = _data()
    ck = tmp_path / "c.ckpt"
    fit(_model(), (x, y), 1, loss="cross_entropy", progress=False, checkpoint=ck)
    other = MLP(5, 3, width=8, depth=1)
    with pytest.raises(CheckpointError, match="another configuration"):
        fit(other, (x, y), 2, loss="cross_entropy", progress=False, checkpoint=ck, resume=True)
    ck.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="corrupt"):
        fit(_model(), (x, y), 2, loss="cross_entropy", progress=False, checkpoint=ck, resume=True)


def test_bad_inputs():
    x, y = _data()
    with pytest.raises(InputError, match="samples"):
        fit(_model(), (x, y[:-1]), 1, progress=False)
    with pytest.raises(InputError, match="NaN"):
        bad = x.clone()
        bad[0, 0] = float("nan")
        fit(_model(), (bad, y), 1, progress=False)
    with pytest.raises(ModelOutputError, match="targets"):
        fit(MLP(5, 2, width=4, depth=1), (x, torch.randn(120, 3)), 1, progress=False)


@pytest.mark.parametrize("case", ["labels", "channels", "labels_under_a_transform"])
def test_a_first_batch_the_model_cannot_take_is_one_line_not_a_torch_traceback(case):
    from freqlens.errors import FreqlensError
    from freqlens.interventions.adversarial_training import AdversarialExamples
    from freqlens.train import fit

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 3))
    x, y = torch.rand(8, 3, 8, 8), torch.randint(0, 3, (8,))
    kw = {}
    if case == "channels":
        x = x[:, :1]
    else:
        y = y + 10
    if case == "labels_under_a_transform":
        kw["batch_transform"] = AdversarialExamples(eps=0.03, steps=1, step_size=0.03)
    with pytest.raises(FreqlensError) as info:
        fit(net, (x, y), 1, loss="cross_entropy", batch_size=4, progress=False, **kw)
    assert "\n" not in str(info.value)
    assert ("label is 1" in str(info.value)) or ("out of bounds" in str(info.value)) or \
        ("first training batch failed" in str(info.value))


def test_fit_takes_a_data_loader_of_dict_batches_like_the_probes():
    from torch.utils.data import DataLoader

    from freqlens.train import fit

    torch.manual_seed(0)
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    loader = DataLoader([{"pixel_values": a, "labels": b} for a, b in zip(x, y)], batch_size=8)
    net = nn.Linear(4, 2)
    before = net.weight.detach().clone()
    history = fit(net, loader, 2, loss="cross_entropy", progress=False)
    assert len(history.losses) == 2 and not torch.equal(net.weight, before)
