"""Every probe with ``output=``: a model returning a dict (or tuple) gives the plain model's numbers exactly."""
import numpy as np
import pytest
import torch
from torch import nn


def _net(classes: int = 3) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 8 * 8, classes))


class DictOut(nn.Module):
    """Returns {"features": ..., "scores": logits}: the default rule would pick the features, so output= matters."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return {"features": x.flatten(1)[:, :7], "scores": self.net(x)}


class TupleOut(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return x.flatten(1)[:, :7], self.net(x)


@pytest.fixture(scope="module")
def data():
    g = torch.Generator().manual_seed(1)
    x = torch.rand(12, 1, 8, 8, generator=g)
    y = torch.randint(0, 3, (12,), generator=g)
    return x, y


@pytest.mark.parametrize("wrap, output", [(DictOut, "scores"), (TupleOut, 1)])
def test_heatmap(data, wrap, output):
    from freqlens.probes.heatmap import fourier_heatmap

    x, y = data
    net = _net()
    a = fourier_heatmap(net, x, y, eps=2.0, progress=False, distributed=False)
    b = fourier_heatmap(wrap(net), x, y, eps=2.0, progress=False, distributed=False, output=output)
    np.testing.assert_array_equal(a.error, b.error)
    assert a.clean_error == b.clean_error


def test_filtering(data):
    from freqlens.probes.filtering import filtered_accuracy

    x, y = data
    net = _net()
    a = filtered_accuracy(net, x, y, bandwidths=[1, 3], progress=False)
    b = filtered_accuracy(DictOut(net), x, y, bandwidths=[1, 3], progress=False, output="scores")
    assert a.accuracy == b.accuracy and a.clean_accuracy == b.clean_accuracy


def test_noise(data):
    from freqlens.probes.noise import bandlimited_noise_error

    x, y = data
    net = _net()
    a = bandlimited_noise_error(net, x, y, bandwidths=[1, 3], norm=2.0, progress=False)
    b = bandlimited_noise_error(TupleOut(net), x, y, bandwidths=[1, 3], norm=2.0, progress=False, output=1)
    assert a.error == b.error and a.full_error == b.full_error and a.clean_error == b.clean_error


def test_hfc_accuracy_and_examples(data):
    from freqlens.probes.hfc import hfc_examples, lfc_hfc_accuracy

    x, y = data
    net = _net()
    a = lfc_hfc_accuracy(net, x, y, radii=(1, 2), progress=False)
    b = lfc_hfc_accuracy(DictOut(net), x, y, radii=(1, 2), progress=False, output="scores")
    assert a.clean_accuracy == b.clean_accuracy
    np.testing.assert_array_equal(a.lfc_accuracy, b.lfc_accuracy)
    np.testing.assert_array_equal(a.hfc_accuracy, b.hfc_accuracy)
    ea = hfc_examples(net, x, y, radius=2, progress=False)
    eb = hfc_examples(DictOut(net), x, y, radius=2, progress=False, output=lambda raw: raw["scores"])
    assert ea.count == eb.count and ea.n_correct == eb.n_correct


def test_layers_accepts_any_output_structure(data):
    from freqlens.probes.layers import layer_frequency_response

    net = _net()
    a = layer_frequency_response(net, image_size=(1, 8, 8), progress=False)
    b = layer_frequency_response(DictOut(net), image_size=(1, 8, 8), progress=False)
    np.testing.assert_allclose(a.gain, b.gain)


def test_defense_radius_tradeoff(data):
    from freqlens.probes.defense import radius_tradeoff

    x, y = data
    net = _net()
    a = radius_tradeoff(net, x, y, radii=[0.5], n_directions=2, radius_space="input")
    b = radius_tradeoff(DictOut(net), x, y, radii=[0.5], n_directions=2, radius_space="input", output="scores")
    assert a.base_accuracy == b.base_accuracy and a.accuracy == b.accuracy


def test_post_averaged_with_output(data):
    from freqlens.interventions.post_averaging import PostAveraged

    x, _ = data
    net = _net()
    a = PostAveraged(net, 0.5, n_directions=2, radius_space="input").eval()
    b = PostAveraged(DictOut(net), 0.5, n_directions=2, radius_space="input", output="scores").eval()
    with torch.inference_mode():
        assert torch.allclose(a(x), b(x))


def test_report_with_output(data, tmp_path):
    import freqlens

    x, y = data
    net = _net()
    a = freqlens.report(net, x, y, out=tmp_path / "a", probes=("filtering", "hfc"), progress=False)
    b = freqlens.report(DictOut(net), x, y, out=tmp_path / "b", probes=("filtering", "hfc"), progress=False,
                        output="scores")
    assert a.meta["clean accuracy"] == b.meta["clean accuracy"]
    assert [s["numbers"] for s in a.sections] == [s["numbers"] for s in b.sections]


def test_cli_output_flag_parses_keys_and_indices():
    import argparse

    from freqlens.commands._common import add_model_arguments, output_selector

    p = argparse.ArgumentParser()
    add_model_arguments(p)
    assert output_selector(p.parse_args(["--model", "m:f", "--output", "logits"])) == "logits"
    assert output_selector(p.parse_args(["--model", "m:f", "--output", "1"])) == 1
    args = p.parse_args(["--model", "m:f", "--amp"])
    assert output_selector(args) is None and args.amp
