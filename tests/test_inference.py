"""freqlens.inference: output selection, single-logit binary predictions, dtypes, labels, batching, trackers."""
from collections import OrderedDict
from dataclasses import dataclass

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from freqlens.errors import InputError, ModelOutputError
from freqlens.inference import (
    accuracy,
    class_logits,
    forward_logits,
    predict,
    predicted_labels,
    select_output,
)
from freqlens.normalization import as_normalize


def _net(seed: int = 0, classes: int = 4) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, classes))


def _images(n: int = 32, seed: int = 1) -> torch.Tensor:
    return torch.rand(n, 3, 8, 8, generator=torch.Generator().manual_seed(seed))


class DictOut(nn.Module):
    def __init__(self, net, key="logits"):
        super().__init__()
        self.net, self.key = net, key

    def forward(self, x):
        return {"features": x.flatten(1)[:, :5], self.key: self.net(x)}


class TupleOut(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return x.flatten(1)[:, :3], self.net(x)


@dataclass
class HFOutput:
    """A Hugging-Face-style output object: attributes, ``logits`` among them, and not a tensor."""

    loss: object
    logits: torch.Tensor
    hidden_states: tuple


class HFModel(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return HFOutput(loss=None, logits=self.net(x), hidden_states=(x,))


class HFDictModel(nn.Module):
    """transformers' ModelOutput is an OrderedDict subclass whose first entry need not be the logits."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return OrderedDict(hidden=x.flatten(1), logits=self.net(x))


# ------------------------------------------------------------------------------------------- select_output

def test_default_rule_tensor_then_logits_then_first_tensor():
    t = torch.ones(2, 3)
    assert select_output(t) is t
    assert select_output({"a": torch.zeros(2, 5), "logits": t}) is t
    assert select_output({"a": "text", "b": t}) is t
    assert select_output(("text", t, torch.zeros(1))) is t
    assert select_output(HFOutput(None, t, ())) is t


def test_explicit_selectors():
    a, b = torch.zeros(2, 3), torch.ones(2, 3)
    assert select_output({"x": a, "y": b}, "y") is b
    assert select_output((a, b), 1) is b
    assert select_output((a, b), -1) is b
    assert select_output(HFOutput(None, a, (b,)), "logits") is a
    assert select_output((a, b), lambda out: out[0] + out[1]).sum() == 6


@pytest.mark.parametrize("raw, selector, message", [
    ({"x": torch.zeros(1)}, "logits", "not a key"),
    ((torch.zeros(1),), 3, "out of range"),
    ({"x": torch.zeros(1)}, 0, "tuple index"),
    (torch.zeros(1), "logits", "names a key"),
    ((torch.zeros(1),), 2.5, "dict key, a tuple index or a callable"),
    ((torch.zeros(1),), True, "dict key, a tuple index or a callable"),
    ({"x": "text"}, "x", "not a tensor"),
    ((torch.zeros(1),), lambda raw: "no", "not a tensor"),
    ({"x": "text"}, None, "no tensor of scores"),
    ("just a string", None, "no tensor of scores"),
])
def test_bad_selectors_give_one_line_errors(raw, selector, message):
    with pytest.raises(ModelOutputError, match=message) as info:
        select_output(raw, selector)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("wrap, output", [(DictOut, None), (DictOut, "logits"), (TupleOut, 1), (HFModel, None),
                                          (HFModel, "logits"), (HFDictModel, None),
                                          (TupleOut, lambda raw: raw[1])])
def test_wrapped_models_predict_exactly_like_the_plain_model(wrap, output):
    net, x = _net(), _images()
    y = torch.arange(32) % 4
    plain = predict(net, x)
    assert torch.equal(predict(wrap(net), x, output=output, batch_size=7), plain)
    assert accuracy(wrap(net), x, y, output=output) == accuracy(net, x, y)


def test_dict_model_with_other_key_needs_output_and_then_works():
    net, x = _net(), _images()
    model = DictOut(net, key="scores")
    # default rule: no "logits" → first tensor = the features, (N, 5): not the class scores
    assert predict(model, x).shape == (32, 5)
    assert torch.equal(predict(model, x, output="scores"), predict(net, x))


# ------------------------------------------------------------------------------------------ single logit

class SignOfFirstPixel(nn.Module):
    """One logit: z = x[:, 0] (class 1 where z > 0)."""

    def __init__(self, shape_1d: bool):
        super().__init__()
        self.shape_1d = shape_1d
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x):
        z = self.scale * x.flatten(1)[:, 0]
        return z if self.shape_1d else z[:, None]


@pytest.mark.parametrize("shape_1d", [True, False])
def test_single_logit_binary_accuracy_is_exact(shape_1d):
    x = torch.tensor([[2.0], [-1.0], [0.5], [-0.2], [0.0], [3.0], [-4.0]])
    y = torch.tensor([1, 0, 0, 0, 1, 1, 1])
    truth = float(((x[:, 0] > 0).long() == y).float().mean())        # 4 of 7 right
    assert truth == pytest.approx(4 / 7)
    assert accuracy(SignOfFirstPixel(shape_1d), x, y) == pytest.approx(truth)
    assert predicted_labels(predict(SignOfFirstPixel(shape_1d), x)).tolist() == [1, 0, 1, 0, 0, 1, 0]


def test_class_logits_turn_one_logit_into_the_two_class_form():
    z = torch.tensor([1.5, -0.5, 0.0])
    two = class_logits(z)
    assert torch.equal(two.argmax(1), (z > 0).long())
    assert torch.allclose(torch.softmax(two, 1)[:, 1], torch.sigmoid(z))
    ce = nn.functional.cross_entropy(two, torch.tensor([1, 0, 1]))
    bce = nn.functional.binary_cross_entropy_with_logits(z, torch.tensor([1.0, 0.0, 1.0]))
    assert ce == pytest.approx(float(bce), rel=1e-6)
    with pytest.raises(ModelOutputError, match="expected \\(N, classes\\)"):
        class_logits(torch.zeros(2, 3, 4))


def test_lfc_hfc_accuracy_of_a_single_logit_binary_model_matches_the_truth():
    from freqlens.fourier.filters import lfc_hfc_components
    from freqlens.probes.hfc import lfc_hfc_accuracy

    class Brightness(nn.Module):
        def forward(self, x):
            return (x.mean(dim=(1, 2, 3)) - 0.5)[:, None]

    g = torch.Generator().manual_seed(0)
    x = torch.rand(40, 1, 8, 8, generator=g)
    y = torch.randint(0, 2, (40,), generator=g)
    res = lfc_hfc_accuracy(Brightness(), x, y, radii=(2,), progress=False)
    z = x.mean(dim=(1, 2, 3)) - 0.5
    assert res.clean_accuracy == pytest.approx(float(((z > 0).long() == y).float().mean()))
    lfc, hfc = lfc_hfc_components(x, [2.0], "max")
    for comp, got in ((lfc[0], res.lfc_accuracy[0]), (hfc[0], res.hfc_accuracy[0])):
        zc = comp.mean(dim=(1, 2, 3)) - 0.5
        assert got == pytest.approx(float(((zc > 0).long() == y).float().mean()))


# ----------------------------------------------------------------------------------------------- dtypes

def _margin_model():
    """A fixed linear classifier with large margins on the test inputs (argmax is stable under bf16)."""
    net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 4))
    with torch.no_grad():
        net[1].weight.zero_()
        for c in range(4):
            net[1].weight[c, c * 48:(c + 1) * 48] = 1.0
        net[1].bias.zero_()
    return net


def _margin_images(n=24):
    x = torch.full((n, 3, 8, 8), 0.1)
    for i in range(n):
        c = i % 4
        x[i].view(-1)[c * 48:(c + 1) * 48] = 0.9
    return x, torch.arange(n) % 4


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_low_and_high_precision_models_run_and_agree_with_float32(dtype):
    x, y = _margin_images()
    ref = _margin_model()
    model = _margin_model().to(dtype)
    scores = predict(model, x)                                  # float32 images cast to the model's dtype
    assert scores.dtype == torch.float32 and scores.shape == (24, 4)
    assert torch.equal(scores.argmax(1), predict(ref, x).argmax(1))
    assert accuracy(model, x, y) == accuracy(ref, x, y) == 1.0


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_conv_models_in_other_dtypes_agree_in_argmax_on_well_separated_inputs(dtype):
    net, x = _net(3), _images(64)
    ref = predict(net, x)
    top2 = ref.topk(2, 1).values
    clear = (top2[:, 0] - top2[:, 1]) > 0.01          # ≥ 10× the bf16 score error on this model
    assert int(clear.sum()) >= 32
    got = predict(net.to(dtype), x)
    assert torch.equal(got.argmax(1)[clear], ref.argmax(1)[clear])


def test_float64_model_gives_the_float32_accuracy_and_float64_scores_on_request():
    net, x = _net(), _images()
    y = predict(net, x).argmax(1)
    m64 = _net().double()
    assert accuracy(m64, x, y) == 1.0
    assert predict(m64, x, dtype=torch.float64).dtype == torch.float64


def test_a_low_precision_failure_names_the_dtype():
    class HalfOnlyFails(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(2, dtype=torch.float16))

        def forward(self, x):
            raise RuntimeError('"addmm_impl_cpu_" not implemented for \'Half\'')

    with pytest.raises(ModelOutputError, match="torch.float16") as info:
        predict(HalfOnlyFails(), torch.zeros(2, 3))
    assert "\n" not in str(info.value) and "model.float()" in str(info.value)


def test_amp_turns_on_autocast_for_the_model_device():
    seen = []

    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 3)

        def forward(self, x):
            seen.append(torch.is_autocast_enabled("cpu"))
            return self.lin(x)

    x = torch.rand(5, 4)
    plain = predict(Spy(), x)
    torch.manual_seed(0)
    m = Spy()
    out = predict(m, x, amp=True)
    assert seen == [False, True]
    assert out.shape == plain.shape and out.dtype == torch.float32


# ----------------------------------------------------------------------------------------------- labels

@pytest.mark.parametrize("dtype", [torch.int8, torch.int16, torch.int32, torch.uint8, torch.int64])
def test_labels_of_any_integer_dtype(dtype):
    net, x = _net(), _images()
    y = torch.arange(32) % 4
    assert accuracy(net, x, y.to(dtype)) == accuracy(net, x, y)


def test_one_hot_labels_are_converted():
    from freqlens.probes.filtering import filtered_accuracy

    net, x = _net(), _images()
    y = torch.arange(32) % 4
    one_hot = nn.functional.one_hot(y, 4)
    assert accuracy(net, x, one_hot) == accuracy(net, x, y)
    assert accuracy(net, x, one_hot.float()) == accuracy(net, x, y)
    a = filtered_accuracy(net, x, one_hot, bandwidths=[3], progress=False)
    b = filtered_accuracy(net, x, y, bandwidths=[3], progress=False)
    assert a.accuracy == b.accuracy and a.clean_accuracy == b.clean_accuracy


def test_label_errors_are_one_line():
    net, x = _net(), _images(4)
    for labels, message in ((torch.tensor([0.0, 1.0, 1.0, 0.0]), "integer class indices"),
                            (torch.tensor([[0.5, 0.5]] * 4), "not one-hot"),
                            (torch.tensor([0, 1, 9, 0]), "classes but a label"),
                            (torch.tensor([0, 1]), "labels has 2"),
                            (torch.tensor([0, -1, 1, 0]), "non-negative")):
        with pytest.raises(InputError, match=message) as info:
            accuracy(net, x, labels)
        assert "\n" not in str(info.value)
    with pytest.raises(InputError, match="needs labels"):
        accuracy(net, x)


# --------------------------------------------------------------------------------------------- batching

def test_tensors_datasets_and_loaders_give_the_same_predictions_and_accuracy():
    net, x = _net(), _images(30)
    y = torch.arange(30) % 4
    ref = predict(net, x)
    ds = TensorDataset(x, y)
    assert torch.equal(predict(net, ds, batch_size=8), ref)
    assert torch.equal(predict(net, DataLoader(ds, batch_size=7)), ref)
    assert torch.equal(predict(net, DataLoader(TensorDataset(x), batch_size=7)), ref)
    acc = accuracy(net, x, y)
    assert accuracy(net, ds) == acc == accuracy(net, DataLoader(ds, batch_size=4))


def test_predict_returns_on_the_requested_device_and_restores_train_mode():
    net, x = _net(), _images(4)
    net.train()
    assert predict(net, x, device="cpu").device.type == "cpu"
    assert net.training


def test_normalize_accepts_mean_std_pairs_and_callables():
    net, x = _net(), _images()
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)
    fn = as_normalize((mean, std))
    by_pair = predict(net, x, normalize=(mean, std))
    by_callable = predict(net, x, normalize=lambda t: (t - torch.tensor(mean).view(1, 3, 1, 1))
                          / torch.tensor(std).view(1, 3, 1, 1))
    assert torch.allclose(by_pair, by_callable, atol=1e-6)
    m, s = torch.tensor(mean).view(1, 3, 1, 1), torch.tensor(std).view(1, 3, 1, 1)
    assert torch.allclose(fn(x), (x - 0.5 * 0 - m) / s)
    for bad in ((mean, (0.0, 1.0, 1.0)), "imagenet", (1, 2, 3)):
        with pytest.raises(InputError, match="normalize"):
            as_normalize(bad)


def test_forward_logits_keeps_gradients_for_attacks():
    net = _net()
    x = _images(2).requires_grad_(True)
    forward_logits(DictOut(net), x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


# ---------------------------------------------------------------------------------------- fit + trackers

def test_fit_with_output_selector_matches_plain_training():
    from freqlens.train import fit

    x, y = _images(16), torch.arange(16) % 4
    a, b = _net(5), _net(5)
    ha = fit(a, (x, y), epochs=3, loss="cross_entropy", progress=False, lr=1e-2)
    hb = fit(DictOut(b, key="scores"), (x, y), epochs=3, loss="cross_entropy", progress=False, lr=1e-2,
             output="scores")
    assert ha.losses == pytest.approx(hb.losses, rel=1e-6)


def test_fit_trains_a_single_logit_binary_model_with_cross_entropy():
    from freqlens.train import fit

    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 2, generator=g)
    y = (x[:, 0] > 0).long()
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    fit(model, (x, y), epochs=200, loss="cross_entropy", progress=False, lr=5e-2)
    assert accuracy(model, x, y) >= 0.95


def test_trackers_take_num_classes_when_the_labels_lack_the_last_class():
    from freqlens.dynamics import FilteringTracker, HFCTracker

    g = torch.Generator().manual_seed(0)
    x = torch.rand(40, 1, 4, 4, generator=g)
    y = torch.randint(0, 2, (40,), generator=g)            # classes 0, 1 of a 3-class model
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    with pytest.raises(ModelOutputError, match="num_classes"):
        FilteringTracker(x, y, deltas=[0.5])(model)
    tr = FilteringTracker(x, y, deltas=[0.5], num_classes=3)
    out = tr(model)
    assert set(out) >= {"e_low", "e_high"}
    with pytest.raises(InputError, match="num_classes is 3"):
        FilteringTracker(x, y + 2, deltas=[0.5], num_classes=3)
    with pytest.raises(InputError, match="num_classes is 2"):
        HFCTracker(test=(x, y + 1), radii=(1,), num_classes=2)
    HFCTracker(test=(x, y.to(torch.uint8)), radii=(1,), num_classes=3).record(model, 0)


def test_trackers_with_dict_output_give_the_plain_numbers():
    from freqlens.dynamics import FilteringTracker, HFCTracker, ProjectionTracker

    g = torch.Generator().manual_seed(0)
    x = torch.rand(40, 3, 8, 8, generator=g)
    y = torch.arange(40) % 4
    net = _net(2)
    wrapped = DictOut(net, key="scores")
    a = FilteringTracker(x, y, deltas=[2.0], output_transform="softmax")
    b = FilteringTracker(x, y, deltas=[2.0], output_transform="softmax", output="scores")
    ra, rb = a(net), b(wrapped)
    assert ra["e_low"] == pytest.approx(rb["e_low"]) and ra["e_high"] == pytest.approx(rb["e_high"])
    p1 = ProjectionTracker(x, y, peaks=[0.5])
    p2 = ProjectionTracker(x, y, peaks=[0.5], output="scores")
    assert torch.allclose(p1.measure(net), p2.measure(wrapped))
    h1, h2 = HFCTracker(test=(x, y), radii=(2, 3)), HFCTracker(test=(x, y), radii=(2, 3), output="scores")
    h1.record(net, 0)
    h2.record(wrapped, 0)
    for key in ("clean_test", "lfc_test", "hfc_test"):
        assert h1.history[key] == h2.history[key]


def test_spectrum_tracker_with_tuple_output():
    from freqlens.dynamics import SpectrumTracker

    z = torch.linspace(0, 1, 64 + 1)[:-1]
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, x):
            return torch.zeros(x.shape[0], 7), self.net(x)

    a = SpectrumTracker(z[:, None], [1, 3], every=1)
    b = SpectrumTracker(z[:, None], [1, 3], every=1, output=1)
    assert torch.allclose(a.spectrum(net), b.spectrum(Two()))


def test_check_model_takes_images_returns_logits_or_one_line_and_checks_labels():
    from freqlens.errors import InputError, ModelOutputError
    from freqlens.inference import check_model_takes_images

    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 5))
    x = torch.rand(2, 3, 4, 4)
    assert torch.equal(check_model_takes_images(net, x, torch.tensor([0, 4])), net(x))
    with pytest.raises(InputError, match=r"cannot take images of shape \(1, 4, 4\)") as info:
        check_model_takes_images(net, x[:, :1])
    assert "\n" not in str(info.value)
    with pytest.raises(ModelOutputError, match="model outputs 5 classes but a label is 7"):
        check_model_takes_images(net, x, torch.tensor([0, 7]))
