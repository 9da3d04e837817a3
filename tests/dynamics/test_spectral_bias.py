"""Spectral-bias trackers: grid spectra, spectral norms, parameter-perturbation robustness."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from freqlens.dynamics.spectral_bias import (
    PerturbationRobustness,
    SpectralNormHistory,
    SpectralNormTracker,
    SpectrumHistory,
    SpectrumTracker,
    check_uniform_grid,
    grid_spectrum,
    normalized_amplitudes,
    perturbation_robustness,
    power_iteration_norm,
    spectral_norm,
)
from freqlens.errors import InputError, ModelOutputError
from freqlens.models import MLP
from freqlens.train import fit

N = 200
Z = torch.arange(N, dtype=torch.float64) / N


class SineMixture(nn.Module):
    """f(z) = Σ_i c_i sin(2π k_i z): its spectrum is known exactly (|ŷ_k| = |c_i|/2)."""

    def __init__(self, ks, coefs):
        super().__init__()
        self.ks = ks
        self.c = nn.Parameter(torch.tensor(coefs, dtype=torch.float64))

    def forward(self, x):
        z = x[:, 0].double()
        feats = torch.stack([torch.sin(2 * math.pi * k * z) for k in self.ks], 1)
        return (feats @ self.c)[:, None]


def test_grid_spectrum_gives_half_amplitude_and_target_normalises_to_one():
    y = 3.0 * torch.sin(2 * math.pi * 7 * Z + 0.3) + 0.5 * torch.sin(2 * math.pi * 40 * Z + 1.0)
    spec = grid_spectrum(y)
    assert spec.shape == (N // 2,)
    assert spec[7] == pytest.approx(1.5, abs=1e-12)
    assert spec[40] == pytest.approx(0.25, abs=1e-12)
    a = normalized_amplitudes(y, [7, 40], [3.0, 0.5])
    assert torch.allclose(a, torch.ones(2, dtype=torch.float64), atol=1e-12)


def test_non_uniform_grid_is_refused():
    z = Z.clone()
    z[50] += 0.002
    with pytest.raises(InputError, match="not uniform"):
        check_uniform_grid(z)
    with pytest.raises(InputError, match="not uniform"):
        SpectrumTracker(z[:, None].float(), [5])


def test_frequency_above_nyquist_is_refused():
    with pytest.raises(InputError, match="Nyquist"):
        SpectrumTracker(Z[:, None].float(), [5, 100])
    with pytest.raises(InputError, match="integer"):
        SpectrumTracker(Z[:, None].float(), [2.5])


def test_tracker_needs_coordinate_for_multidimensional_inputs_and_one_output_column():
    with pytest.raises(InputError, match="coordinate"):
        SpectrumTracker(torch.randn(N, 2), [5])
    tr = SpectrumTracker(torch.randn(N, 2), [5], coordinate=Z)
    with pytest.raises(ModelOutputError, match="output_index"):
        tr.spectrum(nn.Linear(2, 3))


def test_tracker_measures_exact_amplitudes_of_a_known_module():
    model = SineMixture([5, 30], [0.8, -0.2])
    tr = SpectrumTracker(Z[:, None], [5, 30], amplitudes=[1.0, 1.0], every=1)
    tr.record(model, 0)
    np.testing.assert_allclose(tr.result().normalized[0], [0.8, 0.2], atol=1e-12)


def test_low_frequency_learned_first_and_resume_reproduces_history(tmp_path):
    """A tiny MLP on sin(2π·2z) + sin(2π·12z): k = 2 is fitted before k = 12; an interrupted fit resumed
    from its checkpoint gives the same tracker history as an uninterrupted one."""
    z = torch.arange(64, dtype=torch.float32) / 64
    y = torch.sin(2 * math.pi * 2 * z) + torch.sin(2 * math.pi * 12 * z)

    def run(epochs, ckpt=None, tracker=None, resume=False):
        torch.manual_seed(0)
        net = MLP(1, 1, width=32, depth=3, activation="relu")
        tr = tracker or SpectrumTracker(z[:, None], [2, 12], every=20)
        fit(net, (z[:, None], y[:, None]), epochs=epochs, lr=3e-3, callbacks=[tr], checkpoint=ckpt, resume=resume,
            checkpoint_every=60,
            progress=False)
        return tr

    full = run(120)
    h = full.result()
    assert h.steps[0] == 0 and h.steps[-1] == 120
    reach = h.first_reach(0.5)
    assert reach[0] < reach[1]
    ckpt = tmp_path / "c.pt"
    run(60, ckpt)
    resumed = run(120, ckpt, tracker=SpectrumTracker(z[:, None], [2, 12], every=20), resume=True)
    assert resumed.steps == h.steps
    np.testing.assert_allclose(resumed.result().magnitudes, h.magnitudes, rtol=1e-5, atol=1e-7)


def test_spectrum_history_save_load_average_and_plot(tmp_path):
    h1 = SpectrumHistory([0, 10], [5, 10], [1.0, 2.0], np.array([[0.1, 0.2], [0.5, 1.0]]))
    h2 = SpectrumHistory([0, 10], [5, 10], [1.0, 2.0], np.array([[0.3, 0.0], [0.5, 0.6]]))
    avg = SpectrumHistory.average([h1, h2])
    np.testing.assert_allclose(avg.normalized, [[0.4, 0.1], [1.0, 0.8]])
    assert avg.runs == 2
    avg.save(tmp_path / "h.json")
    back = SpectrumHistory.load(tmp_path / "h.json")
    np.testing.assert_allclose(back.magnitudes, avg.magnitudes)
    fig, ax = back.plot()
    assert ax.get_xlabel() and ax.get_title()


@pytest.mark.parametrize("shape", [(256, 256), (64, 300), (300, 17)])
def test_power_iteration_matches_matrix_norm(shape):
    g = torch.Generator().manual_seed(1)
    w = torch.rand(shape, generator=g) * 2 - 1
    s, v, ok = power_iteration_norm(w, max_iter=5000)
    ref = float(torch.linalg.matrix_norm(w.double(), 2))
    assert ok and abs(s - ref) / ref <= 1e-4
    assert s <= ref * (1 + 1e-12)  # ‖Wᵀu‖ with unit u is a lower bound


def test_spectral_norm_tracker_agrees_with_svd_during_training_and_resumes(tmp_path):
    torch.manual_seed(0)
    net = MLP(1, 1, width=48, depth=4, activation="relu")
    x = torch.rand(64, 1)
    y = torch.sin(6 * x)
    power, svd = SpectralNormTracker(every=10), SpectralNormTracker(every=10, method="svd")
    fit(net, (x, y), epochs=60, lr=3e-3, callbacks=[power, svd], progress=False)
    p, s = power.result(), svd.result()
    assert p.layers == s.layers and len(p.layers) == 5
    np.testing.assert_allclose(p.norms, s.norms, rtol=1e-4)
    final = [spectral_norm(w.detach()) for n_, w in net.named_parameters() if n_.endswith("weight")]
    np.testing.assert_allclose(p.norms[-1], final, rtol=1e-4)
    fresh = SpectralNormTracker(every=10)
    fresh.load_state_dict(power.state_dict())
    assert fresh.steps == power.steps and fresh.layers == power.layers
    p.save(tmp_path / "n.json")
    assert SpectralNormHistory.load(tmp_path / "n.json").layers == p.layers


def test_spectral_norm_tracker_works_on_a_cnn_and_names_bad_layers():
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 4))
    tr = SpectralNormTracker()
    tr.record(net, 0)
    w = net[0].weight.detach().reshape(8, -1)
    assert tr.norms[0][0] == pytest.approx(float(torch.linalg.matrix_norm(w.double(), 2)), rel=1e-4)
    with pytest.raises(InputError, match="not weight matrices"):
        SpectralNormTracker(layers=["nope.weight"]).record(net, 0)


def test_perturbation_robustness_zero_delta_is_identity_and_restores_parameters():
    model = SineMixture([5, 30], [1.0, 0.1])
    before = model.c.detach().clone()
    r = perturbation_robustness(model, Z[:, None], [5, 30], deltas=[0.0, 0.05, 0.5], n_directions=50, seed=3)
    assert torch.equal(model.c.detach(), before)
    np.testing.assert_allclose(r.ratio[0], [1.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(r.difference[0], [0.0, 0.0], atol=1e-12)
    # the same absolute perturbation is a 10× larger relative change of the weak k = 30 component
    assert r.difference[1, 1] == pytest.approx(10 * r.difference[1, 0], rel=0.5)
    assert r.difference[2, 1] > r.difference[2, 0]


def test_perturbation_robustness_bad_delta_and_roundtrip(tmp_path):
    model = SineMixture([5], [1.0])
    with pytest.raises(InputError, match="deltas"):
        perturbation_robustness(model, Z[:, None], [5], deltas=[-1.0])
    r = perturbation_robustness(model, Z[:, None], [5], deltas=[0.1], n_directions=3)
    r.save(tmp_path / "r.json")
    back = PerturbationRobustness.load(tmp_path / "r.json")
    np.testing.assert_allclose(back.ratio, r.ratio)
    fig, ax = back.plot()
    assert "δ" in ax.get_ylabel()
