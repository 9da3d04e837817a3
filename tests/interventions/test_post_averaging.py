"""PostAveraged: the estimator's code path (check PA-M3), equality with a per-image reference, seeding, the
low-pass effect on a plane wave, approx directions, attacks and bad input."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from freqlens.data import CIFAR10_MEAN, CIFAR10_STD
from freqlens.errors import ConfigError, InputError, ModelOutputError
from freqlens.fourier.ball_average import ball_average_response, paper_estimator_response
from freqlens.interventions.post_averaging import PostAveraged, normalized_to_pixel_radius, pixel_to_normalized_radius
from freqlens.models import with_normalization
from freqlens.probes.defense import DefenseEvaluation, evaluate_adaptive, evaluate_paper_protocol


def tiny_model(classes=4, seed=0, size=8):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Flatten(), nn.Linear(3 * size * size, 16), nn.ReLU(), nn.Linear(16, classes))
    return with_normalization(net, CIFAR10_MEAN, CIFAR10_STD).eval()


@pytest.fixture
def images():
    return torch.rand(37, 3, 8, 8, generator=torch.Generator().manual_seed(1))


def test_code_path_of_the_estimator(images):
    """PA-M3: 6K+1 points, the first is x, ± pairs symmetric, unit directions (normalised space), reused at all
    radii."""
    model, K, r = tiny_model(), 15, 6.0
    pts = PostAveraged(model, r, n_directions=K, seed=0).sample_points(images)
    assert pts.shape == (37, 91, 3, 8, 8)
    assert torch.equal(pts[:, 0], images)
    std = torch.tensor(CIFAR10_STD).view(1, 1, 3, 1, 1)
    off = ((pts[:, 1:] - images[:, None]) / std).view(37, K, 3, 2, -1)      # (N, K, scale, sign, D)
    torch.testing.assert_close(off[:, :, :, 0], -off[:, :, :, 1], rtol=0, atol=1e-5)
    norms = off[:, :, :, 0].norm(dim=-1)
    torch.testing.assert_close(norms, torch.tensor([r / 3, 2 * r / 3, r]).expand_as(norms), rtol=1e-4, atol=1e-4)
    unit = off[:, :, :, 0] / norms[..., None]
    torch.testing.assert_close(unit[:, :, 0], unit[:, :, 2], rtol=0, atol=1e-4)   # same direction at every radius
    probs = PostAveraged(model, r, seed=0)(images)
    torch.testing.assert_close(probs.sum(1), torch.ones(37), rtol=0, atol=1e-5)


def test_wrapper_equals_slow_per_image_reference(images):
    model = tiny_model()
    pts = PostAveraged(model, 6.0, seed=5).sample_points(images)
    with torch.no_grad():
        reference = torch.stack([torch.stack([torch.softmax(model(p[None]), 1)[0] for p in pts[i]]).mean(0)
                                 for i in range(images.shape[0])])
        for max_batch in (7, 91, 100_000):
            fast = PostAveraged(model, 6.0, seed=5, max_batch=max_batch)(images)
            torch.testing.assert_close(fast, reference, rtol=1e-5, atol=1e-6)


def test_same_seed_same_directions_and_outputs(images):
    model = tiny_model()
    a, b, c = (PostAveraged(model, 6.0, seed=s) for s in (3, 3, 4))
    with torch.no_grad():
        first_a, first_b, first_c = a(images), b(images), c(images)
        assert torch.equal(first_a, first_b)
        assert not torch.equal(first_a, first_c)
        second_a = a(images)                        # the defense is randomised: a second call draws fresh directions
        assert not torch.equal(first_a, second_a)
        assert torch.equal(a.reseed()(images), first_a)
    assert torch.equal(PostAveraged(model, 6.0, seed=3).sample_points(images),
                       PostAveraged(model, 6.0, seed=3).sample_points(images))


class PlaneWave(nn.Module):
    """Two-class 'logits' whose softmax is ((1 + c·cos(ω·x))/2, (1 − c·cos(ω·x))/2)."""

    def __init__(self, omega, c=0.9):
        super().__init__()
        self.register_buffer("omega", omega)
        self.c = c

    def forward(self, x):
        w = torch.cos(x.flatten(1) @ self.omega)
        return torch.stack([torch.log1p(self.c * w), torch.log1p(-self.c * w)], 1)


def test_variant_keeps_every_setting_but_the_seed_and_directions(images):
    model = tiny_model()
    base = PostAveraged(model, 0.7, n_directions=4, scales=(0.5, 1.0), seed=3, radius_space="input", clip=True,
                        sampling="ball", include_original=False, max_batch=64).eval()
    copy = base.variant(seed=9, n_directions=2)
    same = PostAveraged(model, 0.7, n_directions=2, scales=(0.5, 1.0), seed=9, radius_space="input", clip=True,
                        sampling="ball", include_original=False, max_batch=64).eval()
    with torch.no_grad():
        assert torch.equal(copy(images), same(images))        # exactly the wrapper those settings build
        assert torch.equal(base.variant(seed=3)(images), base.reseed()(images))
    assert copy.n_samples == 8 and not copy.training and copy.model is model


@pytest.mark.parametrize("sampling", ["paper", "ball"])
def test_averaging_damps_a_high_frequency_function_as_predicted(sampling):
    dim, n = 16, 3000
    direction = torch.randn(dim, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    direction /= direction.norm()
    x = torch.zeros(n, 1, 4, 4, dtype=torch.float64)          # cos(ω·x) = 1 at the centre of every copy
    predicted = {"paper": lambda s: paper_estimator_response([s], dim)[0],
                 "ball": lambda s: ball_average_response([s], dim)[0]}[sampling]
    measured = {}
    for s in (0.5, 12.0):                                      # r = 1, ‖ω‖ = s
        model = PlaneWave(direction * s)
        wrapper = PostAveraged(model, 1.0, radius_space="input", bounds=None, seed=1, sampling=sampling)
        with torch.no_grad():
            amp = (2 * wrapper(x)[:, 0] - 1) / model.c               # = mean of cos over the points, per copy
        se = float(amp.std() / math.sqrt(n))
        assert abs(float(amp.mean()) - predicted(s)) < 4 * se + 1e-9, (s, float(amp.mean()), predicted(s), se)
        measured[s] = float(amp.mean())
    assert measured[0.5] > 0.95 and abs(measured[12.0]) < 0.25     # low frequency passes, high frequency damped


def test_approx_directions_are_unit_gradients_of_nearest_logit_units(images):
    model = tiny_model(classes=4)
    wrapper = PostAveraged(model, 6.0, n_directions=2, mode="approx")
    pts = wrapper.sample_points(images[:3])
    assert pts.shape == (3, 1 + 2 * 2 * 3, 3, 8, 8)
    std = torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)
    x = images[:1].clone().requires_grad_(True)
    logits = model(x)
    w = model[1][-1].weight
    unit = int((logits.detach().abs()[0] / w.norm(dim=1)).argmin())
    (g,) = torch.autograd.grad(logits[0, unit].abs(), x)
    expected = (g * std).flatten() / (g * std).norm()
    got = ((pts[0, 1] - images[0]) / std[0]).flatten() / (6.0 / 3)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    with torch.inference_mode():                               # also works when called under inference mode
        assert wrapper(images).shape == (37, 4)
    with pytest.raises(InputError, match="≤ 4"):
        PostAveraged(model, 6.0, n_directions=5, mode="approx")


def test_radius_conversion_and_space():
    model = tiny_model()
    r_pix = normalized_to_pixel_radius(6.0, CIFAR10_STD)
    assert r_pix == pytest.approx(6.0 * float(np.sqrt(np.mean(np.square(CIFAR10_STD)))))
    assert pixel_to_normalized_radius(r_pix, CIFAR10_STD) == pytest.approx(6.0)
    assert PostAveraged(model, 6.0).radius_pixel == pytest.approx(r_pix, rel=1e-6)
    x = torch.rand(200, 3, 8, 8)
    off = PostAveraged(model, 6.0, seed=0).sample_points(x)[:, 6] - x      # the +r point of direction 1
    assert float(off.flatten(1).norm(dim=1).mean()) == pytest.approx(r_pix, rel=0.05)
    off_in = PostAveraged(model, 1.5, radius_space="input", seed=0).sample_points(x)[:, 5] - x
    torch.testing.assert_close(off_in.flatten(1).norm(dim=1), torch.full((200,), 1.5), rtol=1e-4, atol=1e-4)


def test_evaluations_run_and_adaptive_is_not_weaker_than_transfer(tmp_path):
    model = tiny_model(classes=3, size=4)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(24, 3, 4, 4, generator=g)
    with torch.no_grad():
        y = model(x).argmax(1)                       # labels = base predictions: clean base accuracy is 1
    defended = PostAveraged(model, 2.0, n_directions=3, seed=0)
    ev = evaluate_paper_protocol(model, defended, x, y, linf_budget=0.1, cw_steps=30, cw_binary_search_steps=3)
    assert ev.clean_accuracy_base == 1.0
    assert set(ev.attacks) == {"fgsm_sweep", "pgd_minimal", "deepfool", "cw", "pgd_fixed"}
    for a in ev.attacks.values():
        assert a["n_attacked"] == 24 and 0 <= a["defended_accuracy"] <= 1
    ad = evaluate_adaptive(model, defended, x, y, eps=0.1, steps=5, attacker_directions=2)
    assert ad.attacks["eot_pgd"]["defended_accuracy"] <= ad.clean_accuracy_defended + 1e-9
    path = ad.save(tmp_path / "adaptive.json")
    back = DefenseEvaluation.load(path)
    assert back.attacks["eot_pgd"]["defended_accuracy"] == ad.attacks["eot_pgd"]["defended_accuracy"]
    fig, _ = back.plot()
    assert fig is not None


class NotLogits(nn.Module):
    def __init__(self, out_shape):
        super().__init__()
        self.lin = nn.Linear(1, 1)
        self.out_shape = out_shape

    def forward(self, x):
        return torch.zeros(x.shape[0], *self.out_shape)


@pytest.mark.parametrize("kwargs, error", [
    ({"radius": 0.0}, InputError),
    ({"radius": -1.0}, InputError),
    ({"radius": float("nan")}, InputError),
    ({"radius": 1.0, "n_directions": 0}, InputError),
    ({"radius": 1.0, "n_directions": 2.5}, InputError),
    ({"radius": 1.0, "scales": ()}, InputError),
    ({"radius": 1.0, "mode": "closest"}, ConfigError),
    ({"radius": 1.0, "sampling": "cube"}, ConfigError),
    ({"radius": 1.0, "max_batch": 0}, InputError),
])
def test_bad_arguments_raise_one_line_errors(kwargs, error):
    with pytest.raises(error) as info:
        PostAveraged(tiny_model(), **kwargs)
    assert "\n" not in str(info.value)


def test_normalized_space_needs_a_std():
    bare = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))
    with pytest.raises(ConfigError, match="input_std"):
        PostAveraged(bare, 1.0)
    assert PostAveraged(bare, 1.0, input_std=(0.5, 0.5, 0.5)).radius_pixel == pytest.approx(0.5)


@pytest.mark.parametrize("out_shape", [(4, 2, 2)])
def test_model_output_not_logits_over_classes(out_shape):
    wrapper = PostAveraged(NotLogits(out_shape), 1.0, radius_space="input")
    with pytest.raises(ModelOutputError, match="logits") as info:
        wrapper(torch.rand(2, 1, 2, 2))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("bad", [torch.rand(2, 3, 8, 8) * 2, torch.rand(2, 3, 8, 8) - 0.5,
                                 torch.full((2, 3, 8, 8), float("nan")), torch.rand(3, 8, 8)])
def test_inputs_outside_bounds_or_wrong_shape(bad):
    with pytest.raises(InputError) as info:
        PostAveraged(tiny_model(), 6.0)(bad)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("out_shape", [(), (1,)])
def test_single_logit_outputs_are_binary_classifiers(out_shape):
    # (N,) and (N, 1) outputs are one binary logit (> 0 means class 1) everywhere in freqlens (inference.class_logits)
    wrapper = PostAveraged(NotLogits(out_shape), 1.0, radius_space="input")
    assert wrapper(torch.rand(2, 1, 2, 2)).shape == (2, 2)
