import numpy as np
import pytest
import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.probes.hfc import HFCAccuracy, batchnorm_mode, hfc_examples, lfc_hfc_accuracy


class LowPassClassifier(nn.Module):
    """Class = sign of the image's mean brightness above 0.5: sees only DC, so LFC is enough and HFC is not."""

    def forward(self, x):
        m = x.mean((1, 2, 3)) - 0.5
        return torch.stack([-m, m], 1) * 10


class HighPassClassifier(nn.Module):
    """Class = whether a checkerboard (Nyquist) pattern dominates: sees only the highest frequency."""

    def forward(self, x):
        h, w = x.shape[-2:]
        sign = (-1) ** (torch.arange(h)[:, None] + torch.arange(w)[None, :]).to(x)
        s = (x * sign).mean((1, 2, 3))
        return torch.stack([-s, s], 1) * 100


def _data(n=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(n, 1, 1, 1, generator=g) * 0.6 + 0.2
    x = (base + 0.05 * torch.randn(n, 3, 16, 16, generator=g)).clamp(0, 1)
    y = (base.flatten() > 0.5).long()
    return x, y


def test_low_pass_model_reads_lfc_not_hfc():
    x, y = _data()
    res = lfc_hfc_accuracy(LowPassClassifier(), x, y, radii=(2, 4, 8), rescale="none", progress=False)
    assert res.clean_accuracy == 1.0
    assert np.all(res.lfc_accuracy == 1.0)
    # HFC has zero mean: the DC classifier is at chance level or worse on it
    assert np.all(res.hfc_accuracy <= 0.7)


def test_high_pass_model_classifies_by_hfc_and_examples_are_found():
    g = torch.Generator().manual_seed(1)
    n = 30
    y = torch.randint(0, 2, (n,), generator=g)
    sign = (-1) ** (torch.arange(16)[:, None] + torch.arange(16)[None, :]).float()
    # bright images of class 0 and dark of class 1 with a checkerboard of the class's sign: LFC says the opposite
    x = (0.5 + 0.1 * (2 * y.float() - 1).view(-1, 1, 1, 1) * sign + 0.02 * torch.randn(n, 3, 16, 16, generator=g))
    x = x.clamp(0, 1)
    model = HighPassClassifier()
    res = lfc_hfc_accuracy(model, x, y, radii=(4, 8), progress=False)
    assert res.hfc_accuracy.min() == 1.0 and res.clean_accuracy == 1.0
    ex = hfc_examples(model, x, y, radius=8, rescale="none", keep=5, progress=False)
    # LFC has no checkerboard: the model's output there is near 0 → argmax 0 → wrong for class 1 only
    assert ex.n_evaluated == n and n // 3 <= ex.count <= ex.n_correct
    assert len(ex.indices) == min(5, ex.count)
    assert np.all(ex.probs_lfc.argmax(1) != ex.labels) and np.all(ex.probs_hfc.argmax(1) == ex.labels)
    assert np.allclose(ex.probs_hfc.sum(1), 1, atol=1e-5)


def test_result_roundtrip_and_plot(tmp_path):
    x, y = _data()
    res = lfc_hfc_accuracy(LowPassClassifier(), x, y, radii=(2, 4), progress=False)
    res.save(tmp_path / "r.json")
    back = HFCAccuracy.load(tmp_path / "r.json")
    assert np.allclose(back.lfc_accuracy, res.lfc_accuracy) and back.radii == res.radii
    fig, _ = res.plot()
    assert fig.axes[0].get_xlabel().startswith("radius")


def test_batch_statistics_mode_restores_buffers_and_modes():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4 * 14 * 14, 2))
    net.train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.rand(8, 3, 16, 16)
    with batchnorm_mode(net, "batch"):
        assert net[1].training and not net[0].training
        net(x)
    assert net.training and net[1].training
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k
    # batch statistics change the predictions compared with running statistics (here: fresh running stats)
    with batchnorm_mode(net, "batch"):
        a = net(x * 0.01)
    with batchnorm_mode(net, "running"):
        b = net(x * 0.01)
    assert not torch.allclose(a, b)


def test_bad_radius_is_rejected():
    x, y = _data()
    for bad in (0, -1, 11.4):  # half-diagonal of 16x16 is 11.31
        with pytest.raises(InputError, match="radius"):
            lfc_hfc_accuracy(LowPassClassifier(), x, y, radii=(4, bad), progress=False)
    with pytest.raises(InputError, match="radius"):
        hfc_examples(LowPassClassifier(), x, y, radius=0, progress=False)


def test_non_square_images_warn_with_the_centre_convention():
    x = torch.rand(6, 3, 16, 24)
    y = torch.zeros(6, dtype=torch.long)
    with pytest.warns(UserWarning, match="centre"):
        res = lfc_hfc_accuracy(LowPassClassifier(), x, y, radii=(4,), progress=False)
    assert "centre" in res.convention and res.image_size == [16, 24]


def test_bad_bn_mode_and_rescale():
    x, y = _data()
    with pytest.raises(InputError, match="bn_eval"):
        lfc_hfc_accuracy(LowPassClassifier(), x, y, radii=(4,), bn_eval="sometimes", progress=False)
    with pytest.raises(InputError, match="rescale"):
        lfc_hfc_accuracy(LowPassClassifier(), x, y, radii=(4,), rescale="l1", progress=False)


def test_channels_last_and_bf16_keep_the_lfc_hfc_accuracies():
    import torch
    from torch import nn

    from freqlens.probes.hfc import lfc_hfc_accuracy

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                        nn.Linear(32, 3))
    g = torch.Generator().manual_seed(2)
    x, y = torch.rand(200, 3, 8, 8, generator=g), torch.randint(0, 3, (200,), generator=g)
    ref = lfc_hfc_accuracy(net, x, y, radii=[2], progress=False)
    fast = lfc_hfc_accuracy(net, x, y, radii=[2], progress=False, channels_last=True, amp="bf16")
    assert abs(fast.clean_accuracy - ref.clean_accuracy) <= 0.01     # within 1 point (the stated AMP tolerance)
    assert abs(float(fast.lfc_accuracy[0]) - float(ref.lfc_accuracy[0])) <= 0.01


@pytest.mark.parametrize("probe", ["accuracy", "examples"])
def test_labels_beyond_the_models_classes_are_refused_not_scored_as_wrong(probe):
    from freqlens.errors import ModelOutputError
    from freqlens.probes.hfc import hfc_examples, lfc_hfc_accuracy

    net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 10))
    x, y = torch.rand(4, 3, 8, 8), torch.tensor([0, 1, 2, 15])
    run = (lambda: lfc_hfc_accuracy(net, x, y, radii=(2,), progress=False)) if probe == "accuracy" else \
        (lambda: hfc_examples(net, x, y, radius=2, progress=False))
    with pytest.raises(ModelOutputError, match="model outputs 10 classes but a label is 15"):
        run()


def test_a_model_that_cannot_take_the_images_fails_in_one_line():
    from freqlens.probes.hfc import hfc_examples, lfc_hfc_accuracy

    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten())
    x, y = torch.rand(4, 1, 8, 8), torch.tensor([0, 1, 2, 3])
    for run in (lambda: lfc_hfc_accuracy(net, x, y, radii=(2,), progress=False),
                lambda: hfc_examples(net, x, y, radius=2, progress=False)):
        with pytest.raises(InputError, match=r"cannot take images of shape \(1, 8, 8\)") as info:
            run()
        assert "\n" not in str(info.value)
