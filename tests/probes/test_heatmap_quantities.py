"""Heat maps of other quantities (issue 17 part 3): loss, logit change and feature change of linear models
against their closed forms / a direct per-basis loop, per-class maps, one-line errors, checkpoints, windows,
plotting, save/load and logger keys."""
from collections import OrderedDict

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from freqlens.errors import CheckpointError, InputError, ModelOutputError
from freqlens.fourier.basis import fourier_basis, position_grid, unique_positions
from freqlens.loggers.protocol import MemoryLogger, log_result
from freqlens.probes.heatmap import HeatmapResult, basis_signs, fourier_heatmap
from freqlens.probes.heatmap_quantities import FeatureCapture, parse_quantity

H, W = 6, 5                  # odd width: no Nyquist column, so the conjugate pairs are all distinct cells


def _data(n=10, c=2, classes=3, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, c, H, W, generator=g), torch.arange(n) % classes


def _linear(c=2, classes=3, seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(OrderedDict(body=nn.Identity(), flat=nn.Flatten(), fc=nn.Linear(c * H * W, classes)))


def _per_basis(model, x, eps, seed, fn):
    """The expected map by a direct loop over the bases: cell value = mean over images of fn(logits(x + δ_k), k)."""
    n, c = x.shape[:2]
    positions = unique_positions(H, W)
    per_pair = []
    with torch.no_grad():
        for k in range(positions.shape[0]):
            u = fourier_basis(H, W, positions[k:k + 1])[0].double()                       # (H, W), unit norm
            r = basis_signs(seed, k, n, c).double()                                       # (n, C)
            delta = eps * r[:, :, None, None] * u                                          # (n, C, H, W)
            per_pair.append(fn(model.double()(x.double() + delta), delta))
    model.float()
    return np.asarray(per_pair)[position_grid(H, W).numpy()]


@pytest.mark.parametrize("max_batch", [7, 64])
def test_loss_map_of_a_linear_model_matches_a_direct_per_basis_loop(max_batch):
    x, y = _data()
    model = _linear()
    res = fourier_heatmap(model, x, y, eps=1.5, bounds=None, quantity="loss", max_batch=max_batch, progress=False)
    expected = _per_basis(model, x, 1.5, 0, lambda z, _: F.cross_entropy(z, y).item())
    assert res.quantity == "loss" and res.error.shape == (H, W)
    np.testing.assert_allclose(res.values, expected, atol=1e-5)
    with torch.no_grad():
        assert res.clean_value == pytest.approx(F.cross_entropy(model(x), y).item(), abs=1e-5)
    assert expected.std() > 1e-3                                      # the map is not flat: the check can fail


def test_single_logit_binary_model_loss_is_bce_with_logits():
    x, _ = _data(c=1)
    y = torch.tensor([0, 1] * 5)
    torch.manual_seed(2)
    model = nn.Sequential(nn.Flatten(), nn.Linear(H * W, 1))
    res = fourier_heatmap(model, x, y, eps=2.0, bounds=None, quantity="loss", progress=False)
    expected = _per_basis(model, x, 2.0, 0,
                          lambda z, _: F.binary_cross_entropy_with_logits(z[:, 0], y.double()).item())
    np.testing.assert_allclose(res.values, expected, atol=1e-5)


def test_logit_change_of_a_linear_model_is_eps_times_the_norm_of_w_times_the_basis():
    x, y = _data(c=1)
    model = _linear(c=1)
    eps = 0.8
    res = fourier_heatmap(model, x, y, eps=eps, bounds=None, quantity="logit_change", progress=False)
    # one channel: Δ logits = ε r W u_k with r = ±1, so ‖Δ logits‖₂ = ε ‖W u_k‖₂ for every image, exactly
    weight = model.fc.weight.detach().double()
    positions = unique_positions(H, W)
    per_pair = np.array([eps * float((weight @ fourier_basis(H, W, positions[k:k + 1])[0].double().flatten()).norm())
                         for k in range(positions.shape[0])])
    np.testing.assert_allclose(res.values, per_pair[position_grid(H, W).numpy()], atol=1e-5)
    assert res.clean_value == 0.0


def test_feature_change_of_an_identity_layer_is_the_perturbation_norm_and_of_a_conv_its_filtered_norm():
    x, y = _data()
    res = fourier_heatmap(_linear(), x, y, eps=0.5, bounds=None, quantity="feature_change:body", progress=False)
    np.testing.assert_allclose(res.values, 0.5 * np.sqrt(2), atol=1e-5)   # ‖ε (r_1 u, r_2 u)‖ = ε √C
    torch.manual_seed(3)
    conv_net = nn.Sequential(OrderedDict(conv=nn.Conv2d(2, 3, 3, padding=1), act=nn.ReLU(), flat=nn.Flatten(),
                                         fc=nn.Linear(3 * H * W, 3)))
    res = fourier_heatmap(conv_net, x, y, eps=0.5, bounds=None, quantity="feature_change:conv", progress=False,
                          max_batch=16)
    conv = conv_net.conv
    expected = _per_basis(conv_net, x, 0.5, 0, lambda _, d: F.conv2d(d, conv.weight.double(), None, padding=1)
                          .flatten(1).norm(dim=1).mean().item())
    np.testing.assert_allclose(res.values, expected, atol=1e-5)
    # clean features too large for the budget: recomputed per chunk, the same map
    small = fourier_heatmap(conv_net, x, y, eps=0.5, bounds=None, quantity="feature_change:conv", progress=False,
                            max_batch=16, memory_budget=64)
    np.testing.assert_allclose(small.values, res.values, atol=1e-9)


@pytest.mark.parametrize("quantity", ["error", "loss"])
def test_per_class_maps_weighted_by_class_counts_sum_to_the_overall_map(quantity):
    x, _ = _data(n=11)
    y = torch.tensor([0, 2, 2, 0, 2, 0, 0, 2, 2, 2, 0])            # class 1 has no image
    res = fourier_heatmap(_linear(), x, y, eps=3.0, bounds=None, quantity=quantity, per_class=True,
                          progress=False, max_batch=9)
    assert res.per_class.shape == (3, H, W) and res.class_counts == [5, 0, 6]
    assert np.isnan(res.per_class[1]).all()
    counts = np.array(res.class_counts, dtype=float)
    weighted = np.nansum(res.per_class * counts[:, None, None], axis=0) / counts.sum()
    np.testing.assert_allclose(weighted, res.error, atol=1e-9)
    plain = fourier_heatmap(_linear(), x, y, eps=3.0, bounds=None, quantity=quantity, progress=False)
    np.testing.assert_allclose(plain.error, res.error, atol=1e-9)
    assert plain.per_class is None


def test_default_quantity_is_the_error_map_in_percent():
    x, y = _data()
    model = _linear()
    default = fourier_heatmap(model, x, y, eps=3.0, bounds=None, progress=False)
    expected = _per_basis(model, x, 3.0, 0, lambda z, _: 100.0 * (z.argmax(1) != y).double().mean().item())
    np.testing.assert_allclose(default.error, expected, atol=1e-9)
    assert default.quantity == "error" and default.clean_value == pytest.approx(default.clean_error)


@pytest.mark.parametrize("quantity,match", [
    ("entropy", "unknown quantity 'entropy'"),
    ("feature_change", "unknown quantity"),
    ("loss:fc", "unknown quantity"),
    ("feature_change:nope", "no module named 'nope'; its modules include body, flat, fc"),
])
def test_unknown_quantity_or_layer_is_a_one_line_error(quantity, match):
    x, y = _data(n=2)
    with pytest.raises(InputError, match=match) as info:
        fourier_heatmap(_linear(), x, y, eps=1.0, quantity=quantity, progress=False)
    assert "\n" not in str(info.value)


def test_a_layer_that_runs_twice_or_not_batch_first_is_refused():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.shared, self.fc = nn.Identity(), nn.Linear(2 * H * W, 3)

        def forward(self, x):
            return self.fc(self.shared(self.shared(x)).flatten(1))

    x, y = _data(n=4)
    with pytest.raises(ModelOutputError, match="runs 2 times"):
        fourier_heatmap(Twice(), x, y, eps=1.0, quantity="feature_change:shared", progress=False)
    with FeatureCapture(nn.Sequential(nn.Linear(3, 2)), "0") as cap:
        with pytest.raises(ModelOutputError, match="did not run"):
            cap.take(1)


def test_checkpoint_of_another_quantity_or_per_class_is_not_reused(tmp_path):
    x, y = _data()
    ckpt = tmp_path / "hm.ckpt"
    fourier_heatmap(_linear(), x, y, eps=1.0, checkpoint=ckpt, progress=False)
    with pytest.raises(CheckpointError, match="quantity: 'error' there, 'loss' now"):
        fourier_heatmap(_linear(), x, y, eps=1.0, checkpoint=ckpt, quantity="loss", progress=False)
    with pytest.raises(CheckpointError, match="per_class"):
        fourier_heatmap(_linear(), x, y, eps=1.0, checkpoint=ckpt, per_class=True, progress=False)


class _StopAfter(nn.Module):
    def __init__(self, inner, calls):
        super().__init__()
        self.inner, self.calls, self.count = inner, calls, 0

    def forward(self, x):
        self.count += 1
        if self.count == self.calls:
            raise KeyboardInterrupt
        return self.inner(x)


def test_interrupted_per_class_loss_map_resumes_to_the_same_map(tmp_path):
    x, y = _data()
    ref = fourier_heatmap(_linear(), x, y, eps=1.0, bounds=None, quantity="loss", per_class=True, max_batch=20,
                          progress=False)
    ckpt = tmp_path / "hm.ckpt"
    wrapped = _StopAfter(_linear(), calls=6)
    with pytest.raises(KeyboardInterrupt):
        fourier_heatmap(wrapped, x, y, eps=1.0, bounds=None, quantity="loss", per_class=True, max_batch=20,
                        checkpoint=ckpt, progress=False)
    state = torch.load(ckpt, weights_only=True)
    assert 0 < int(state["done"].sum()) < state["done"].numel() and state["counts"].shape[1] == 3
    wrapped.calls = -1
    resumed = fourier_heatmap(wrapped, x, y, eps=1.0, bounds=None, quantity="loss", per_class=True, max_batch=20,
                              checkpoint=ckpt, progress=False)
    np.testing.assert_allclose(resumed.error, ref.error, atol=1e-12)
    np.testing.assert_allclose(resumed.per_class, ref.per_class, atol=1e-12)


def test_window_with_a_quantity_is_the_centre_of_the_full_map():
    x, y = _data()
    full = fourier_heatmap(_linear(), x, y, eps=1.0, bounds=None, quantity="logit_change", per_class=True,
                           progress=False)
    win = fourier_heatmap(_linear(), x, y, eps=1.0, bounds=None, quantity="logit_change", per_class=True, window=1,
                          progress=False)
    assert win.error.shape == (3, 3) and win.per_class.shape == (3, 3, 3)
    np.testing.assert_allclose(win.error, full.error[H // 2 - 1:H // 2 + 2, W // 2 - 1:W // 2 + 2], atol=1e-12)
    np.testing.assert_allclose(win.per_class, full.per_class[:, H // 2 - 1:H // 2 + 2, W // 2 - 1:W // 2 + 2],
                               atol=1e-12)


def test_quantity_maps_plot_in_their_units_round_trip_and_log_under_their_key(tmp_path):
    x, y = _data()
    res = fourier_heatmap(_linear(), x, y, eps=2.0, bounds=None, quantity="feature_change:body", per_class=True,
                          progress=False)
    loss = fourier_heatmap(_linear(), x, y, eps=2.0, bounds=None, quantity="loss", progress=False)
    fig, ax = loss.plot()
    assert ax.images[0].get_clim() == pytest.approx((np.nanmin(loss.values), np.nanmax(loss.values)))
    assert fig.axes[-1].get_ylabel() == "cross-entropy loss" and "cross-entropy loss" in ax.get_title()
    fig, ax = res.plot()
    assert fig.axes[-1].get_ylabel() == "‖Δ features‖₂ at body"
    fig, axes = res.plot_per_class(class_names=["a", "b", "c"])
    assert [a.get_title() for a in axes] == ["a (4 images)", "b (3 images)", "c (3 images)"]
    assert len({a.images[0].get_clim() for a in axes}) == 1                      # one shared colour scale
    assert all(a.get_xlabel() == "f_v (cycles/image)" for a in axes)            # every column's lowest map
    assert axes[0].get_ylabel() == "f_u (cycles/image)"
    res.save(tmp_path / "hm.json")
    back = HeatmapResult.load(tmp_path / "hm.json")
    assert back.quantity == "feature_change:body" and back.class_counts == [4, 3, 3]
    np.testing.assert_array_equal(back.per_class, res.per_class)
    log = MemoryLogger()
    log_result(log, loss, step=2, prefix="heatmap/")
    log_result(log, res, step=2, prefix="heatmap/")
    assert [k for _, k, _ in log.images] == ["heatmap/loss", "heatmap/feature_change/body",
                                             "heatmap/feature_change/body/class0", "heatmap/feature_change/body/class1",
                                             "heatmap/feature_change/body/class2"]
    assert parse_quantity("logit_change").log_key == "logit_change"


def test_loss_map_of_a_probability_output_model_is_the_cross_entropy_of_its_probabilities():
    """PostAveraged returns averaged softmax probabilities: at a vanishing radius it is the base model, so its loss
    map must equal the base model's (the loss is −log p_y, not the cross-entropy of softmax(p))."""
    from freqlens.interventions.post_averaging import PostAveraged
    from freqlens.probes.heatmap import fourier_heatmap

    torch.manual_seed(0)
    base = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 4))
    with torch.no_grad():
        base[1].weight.mul_(50)
    x, y = torch.rand(5, 3, 8, 8), torch.tensor([0, 1, 2, 3, 0])
    averaged = PostAveraged(base, radius=1e-7, n_directions=2, radius_space="input").eval()
    ref = fourier_heatmap(base, x, y, eps=1.0, window=1, quantity="loss", progress=False)
    got = fourier_heatmap(averaged, x, y, eps=1.0, window=1, quantity="loss", progress=False)
    assert ref.clean_error > 1.0                                              # a loss far from softmax(p)'s ≈ log 4
    np.testing.assert_allclose(got.error, ref.error, rtol=1e-4)
    assert got.clean_error == pytest.approx(ref.clean_error, rel=1e-4)
