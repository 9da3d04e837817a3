"""freqlens.acceleration: channels-last weights are the user's again after every probe (also when it raises), and
torch.compile falls back to eager with a notice when compiling fails."""
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from freqlens.acceleration import CompiledModel, accelerated, as_input_format, channels_last_weights
from freqlens.notices import FreqlensNotice


def tiny_cnn(seed=0, classes=3):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
                         nn.Flatten(), nn.Linear(24, classes))


def data(n=24, seed=1, classes=3, size=8):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=g), torch.randint(0, classes, (n,), generator=g)


def layout(model):
    """(strides, data pointer) of every parameter and buffer."""
    return [(name, t.stride(), t.data_ptr()) for name, t in [*model.named_parameters(), *model.named_buffers()]]


class RaiseAfter(nn.Module):
    """Calls ``inner`` and raises ``exc`` on call number ``calls`` (a probe interrupted midway)."""

    def __init__(self, inner, calls, exc=KeyboardInterrupt):
        super().__init__()
        self.inner, self.calls, self.exc = inner, calls, exc
        self.saw_channels_last = False

    def forward(self, x):
        self.saw_channels_last |= self.inner[0].weight.is_contiguous(memory_format=torch.channels_last)
        self.calls -= 1
        if self.calls == 0:
            raise self.exc()
        return self.inner(x)


def test_channels_last_weights_are_converted_inside_and_restored_outside():
    net = tiny_cnn()
    before = layout(net)
    with channels_last_weights(net) as m:
        assert m is net
        assert net[0].weight.is_contiguous(memory_format=torch.channels_last)
        assert not net[0].weight.is_contiguous()
    assert layout(net) == before
    assert isinstance(net[0].weight, nn.Parameter) and net[0].weight.requires_grad


def test_values_changed_inside_are_kept_and_tied_weights_stay_tied():
    conv = nn.Conv2d(2, 2, 3)
    tied = nn.Sequential(conv, nn.ReLU(), conv)
    with channels_last_weights(tied):
        with torch.no_grad():
            conv.weight.add_(1.0)
        assert tied[0].weight is tied[2].weight
    assert conv.weight.is_contiguous() and tied[0].weight is tied[2].weight
    ref = nn.Conv2d(2, 2, 3)
    ref.load_state_dict(conv.state_dict())
    assert torch.equal(conv.weight, ref.weight)


def test_restored_when_the_block_raises():
    net = tiny_cnn()
    before = layout(net)
    with pytest.raises(KeyboardInterrupt):
        with accelerated(net, channels_last=True):
            raise KeyboardInterrupt
    assert layout(net) == before


def probes():
    from freqlens.interventions.post_averaging import PostAveraged, averaged_predictions
    from freqlens.probes.filtering import filtered_accuracy
    from freqlens.probes.heatmap import fourier_heatmap
    from freqlens.probes.hfc import hfc_examples, lfc_hfc_accuracy
    from freqlens.probes.layers import layer_frequency_response
    from freqlens.probes.noise import bandlimited_noise_error

    return {
        "heatmap": lambda m, x, y: fourier_heatmap(m, x, y, eps=2.0, window=1, max_batch=16, progress=False,
                                                   channels_last=True),
        "noise": lambda m, x, y: bandlimited_noise_error(m, x, y, bandwidths=[1, 3], norm=1.0, max_batch=8,
                                                         progress=False, channels_last=True),
        "filtering": lambda m, x, y: filtered_accuracy(m, x, y, bandwidths=[1, 3], max_batch=8, progress=False,
                                                       channels_last=True),
        "hfc": lambda m, x, y: lfc_hfc_accuracy(m, x, y, radii=[2], max_batch=8, progress=False, channels_last=True),
        "hfc_examples": lambda m, x, y: hfc_examples(m, x, y, radius=2, max_batch=8, progress=False,
                                                     channels_last=True),
        "layers": lambda m, x, y: layer_frequency_response(m, image_size=(3, 8, 8), window=1, max_batch=4,
                                                           progress=False, channels_last=True, distributed=False),
        "post_averaging": lambda m, x, y: averaged_predictions(
            PostAveraged(m, 0.5, n_directions=2, radius_space="input", max_batch=16, channels_last=True), x),
    }


@pytest.mark.parametrize("name", list(probes()))
def test_every_probe_leaves_the_users_weights_in_their_memory_format(name):
    """Issue 18: channels_last must not convert the user's model in place — strides before == after, also when
    the probe is interrupted midway (Ctrl-C)."""
    run = probes()[name]
    x, y = data()
    net = tiny_cnn()
    before = layout(net)
    run(net, x, y)
    assert layout(net) == before
    assert net[0].weight.is_contiguous()
    wrapped = RaiseAfter(net, calls=3)
    with pytest.raises(KeyboardInterrupt):
        run(wrapped, x, y)
    assert wrapped.saw_channels_last     # the probe did run channels-last
    assert layout(net) == before


def test_channels_last_gives_the_same_numbers():
    from freqlens.probes.noise import bandlimited_noise_error

    x, y = data(n=40)
    net = tiny_cnn()
    ref = bandlimited_noise_error(net, x, y, bandwidths=[1, 3], norm=1.0, max_batch=16, progress=False)
    fast = bandlimited_noise_error(net, x, y, bandwidths=[1, 3], norm=1.0, max_batch=16, progress=False,
                                   channels_last=True)
    assert fast.error == ref.error and fast.clean_error == ref.clean_error


def test_hfc_examples_find_the_same_images_channels_last():
    from freqlens.probes.hfc import hfc_examples

    x, y = data(n=40)
    net = tiny_cnn()
    ref = hfc_examples(net, x, y, radius=2, max_batch=16, progress=False)
    fast = hfc_examples(net, x, y, radius=2, max_batch=16, progress=False, channels_last=True)
    assert fast.count == ref.count and fast.n_correct == ref.n_correct
    np.testing.assert_allclose(fast.probs_image, ref.probs_image, atol=1e-5)


def test_inputs_follow_the_weights_format():
    x = torch.zeros(2, 3, 4, 4)
    assert as_input_format(x, True).is_contiguous(memory_format=torch.channels_last)
    assert as_input_format(x, False) is x
    assert as_input_format(torch.zeros(2, 3), True).shape == (2, 3)


def test_compile_failure_falls_back_to_eager_with_a_one_line_notice(monkeypatch):
    def broken_compile(model, **kwargs):
        def run(*args, **kw):
            raise RuntimeError("InductorError: CppCompileError: C++ compile error\nlong compiler log ...")
        return run

    monkeypatch.setattr(torch, "compile", broken_compile)
    net = nn.Linear(3, 2)
    compiled = CompiledModel(net)
    x = torch.rand(4, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = compiled(x)
        again = compiled(x)
    assert torch.equal(out, net(x)) and torch.equal(again, out)
    notes = [str(w.message) for w in caught if issubclass(w.category, FreqlensNotice)]
    assert len(notes) == 1 and "\n" not in notes[0]
    assert notes[0].startswith("torch.compile failed (RuntimeError: InductorError: CppCompileError")
    assert "eagerly" in notes[0]


def test_the_models_own_error_is_not_blamed_on_the_compiler(monkeypatch):
    monkeypatch.setattr(torch, "compile", lambda model, **kw: model)
    compiled = CompiledModel(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        compiled(torch.rand(4, 5))
    assert compiled.fallback_reason is None


def test_a_probe_with_a_broken_compiler_still_gives_the_eager_numbers(monkeypatch):
    from freqlens.probes.filtering import filtered_accuracy

    x, y = data()
    net = tiny_cnn()
    ref = filtered_accuracy(net, x, y, bandwidths=[1, 3], max_batch=8, progress=False)

    def broken_compile(model, **kwargs):
        def run(*args, **kw):
            raise OSError("no C compiler found")
        return run

    monkeypatch.setattr(torch, "compile", broken_compile)
    with pytest.warns(FreqlensNotice, match="torch.compile failed"):
        res = filtered_accuracy(net, x, y, bandwidths=[1, 3], max_batch=8, progress=False, compile=True)
    assert res.accuracy == ref.accuracy and res.clean_accuracy == ref.clean_accuracy


@pytest.mark.slow
def test_compiled_probes_give_the_eager_numbers():
    """torch.compile (inductor) works on this CPU with torch 2.13: a compiled heat map and LFC/HFC accuracy equal the
    eager ones, up to one image per cell (a re-associated sum may flip an exact near-tie). Compiling takes ~30-45 s
    cold (two graphs: a static batch size, then a dynamic one), hence slow."""
    import numpy as np

    from freqlens.probes.heatmap import fourier_heatmap
    from freqlens.probes.hfc import lfc_hfc_accuracy

    x, y = data(n=48, size=8)
    net = tiny_cnn()
    kw = dict(eps=2.0, window=2, max_batch=128, progress=False)
    eager = fourier_heatmap(net, x, y, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FreqlensNotice)      # a fallback to eager would make this test vacuous
        compiled = fourier_heatmap(net, x, y, compile=True, **kw)
        h_compiled = lfc_hfc_accuracy(net, x, y, radii=[2, 3], max_batch=16, progress=False, compile=True)
    np.testing.assert_allclose(compiled.error, eager.error, atol=100 / 48 + 1e-9)
    assert abs(compiled.clean_error - eager.clean_error) <= 100 / 48 + 1e-9
    h_eager = lfc_hfc_accuracy(net, x, y, radii=[2, 3], max_batch=16, progress=False)
    np.testing.assert_allclose(h_compiled.lfc_accuracy, h_eager.lfc_accuracy, atol=1 / 48 + 1e-9)
    np.testing.assert_allclose(h_compiled.hfc_accuracy, h_eager.hfc_accuracy, atol=1 / 48 + 1e-9)
    assert net[0].weight.is_contiguous()
