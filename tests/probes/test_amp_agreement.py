"""Issue 18, stated AMP tolerance: on a fixed, trained model, bf16 autocast gives every error rate of the heat map,
the band-limited noise, the LFC/HFC accuracy and the post-averaged accuracy within 1 percentage point of float32.

The model is a tiny CNN trained for a few hundred steps (seeded) on synthetic 8 × 8 images whose class is the
frequency of a grating added to noise, so its decisions depend on the spectrum and are not at chance."""
import functools

import numpy as np
import torch
from torch import nn

TOLERANCE = 1.0  # percentage points (issue 18)


def gratings(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    u = torch.arange(8.0)
    freqs = torch.tensor([1.0, 2.0, 3.0])[y]
    phase = torch.rand(n, generator=g) * 2 * np.pi
    wave = torch.cos(2 * np.pi * freqs[:, None, None] * u[None, None, :] / 8 + phase[:, None, None])  # (n, 1, 8)
    wave = wave.expand(n, 8, 8)
    x = 0.5 + 0.2 * wave[:, None].expand(n, 3, 8, 8) + 0.12 * torch.randn(n, 3, 8, 8, generator=g)
    return x.clamp(0, 1), y


@functools.lru_cache(maxsize=1)
def trained():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(32, 3))
    x, y = gratings(512, seed=1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for step in range(150):
        idx = torch.arange(step * 64, step * 64 + 64) % 512
        loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    xt, yt = gratings(400, seed=2)
    return net, xt, yt


def test_the_fixed_model_is_trained():
    from freqlens.inference import accuracy

    net, x, y = trained()
    assert accuracy(net, x, y) > 0.8          # far above chance (1/3): the comparisons below are not vacuous


def test_heatmap_bf16_within_one_point_of_fp32():
    from freqlens.probes.heatmap import fourier_heatmap

    net, x, y = trained()
    ref = fourier_heatmap(net, x, y, eps=2.0, window=2, progress=False, max_batch=1024)
    amp = fourier_heatmap(net, x, y, eps=2.0, window=2, progress=False, max_batch=1024, amp="bf16")
    assert abs(amp.clean_error - ref.clean_error) <= TOLERANCE
    assert float(np.nanmax(np.abs(amp.error - ref.error))) <= TOLERANCE
    assert float(np.nanmax(ref.error)) - float(np.nanmin(ref.error)) > 5   # the map is not flat


def test_noise_bf16_within_one_point_of_fp32():
    from freqlens.probes.noise import bandlimited_noise_error

    net, x, y = trained()
    kw = dict(bandwidths=[1, 3, 5, 7], norm=2.0, progress=False)
    ref = bandlimited_noise_error(net, x, y, **kw)
    amp = bandlimited_noise_error(net, x, y, amp="bf16", **kw)
    assert abs(amp.clean_error - ref.clean_error) <= TOLERANCE
    assert abs(amp.full_error - ref.full_error) <= TOLERANCE
    for kind in ("low", "high"):
        assert np.max(np.abs(np.subtract(amp.error[kind], ref.error[kind]))) <= TOLERANCE


def test_lfc_hfc_bf16_within_one_point_of_fp32():
    from freqlens.probes.hfc import lfc_hfc_accuracy

    net, x, y = trained()
    ref = lfc_hfc_accuracy(net, x, y, radii=[1, 2, 3, 4], progress=False)
    amp = lfc_hfc_accuracy(net, x, y, radii=[1, 2, 3, 4], progress=False, amp="bf16")
    assert abs(amp.clean_accuracy - ref.clean_accuracy) * 100 <= TOLERANCE
    assert np.max(np.abs(amp.lfc_accuracy - ref.lfc_accuracy)) * 100 <= TOLERANCE
    assert np.max(np.abs(amp.hfc_accuracy - ref.hfc_accuracy)) * 100 <= TOLERANCE


def test_post_averaging_bf16_within_one_point_of_fp32():
    from freqlens.interventions.post_averaging import PostAveraged, averaged_predictions

    net, x, y = trained()
    acc = {}
    for amp in (False, "bf16"):
        defended = PostAveraged(net, 0.5, n_directions=4, radius_space="input", seed=3, amp=amp)
        acc[amp] = 100 * float((averaged_predictions(defended, x) == y).float().mean())
    assert abs(acc["bf16"] - acc[False]) <= TOLERANCE
