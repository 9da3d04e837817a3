"""Perturbation spectra (freqlens/probes/perturbation_spectra.py): a perturbation made of one known Fourier basis
puts all its energy at that frequency."""
import numpy as np
import pytest
import torch

from freqlens.errors import InputError
from freqlens.fourier.basis import fourier_basis
from freqlens.probes.perturbation_spectra import PerturbationSpectrumResult, perturbation_spectrum


def test_perturbation_spectrum_of_a_known_low_frequency_perturbation():
    x = torch.rand(5, 3, 16, 16) * 0.5
    u = fourier_basis(16, 16, torch.tensor([[8, 9]]))[0]       # f = (0, 1)
    res = perturbation_spectrum(x + 0.1 * u, x)
    assert res.low_energy_fraction == pytest.approx(1.0)
    assert np.argmax(res.spectrum) in (8 * 16 + 9, 8 * 16 + 7)
    with pytest.raises(InputError, match="differ in shape"):
        perturbation_spectrum(x[:2], x)


def test_perturbation_spectrum_accepts_an_attack_result_and_round_trips(tmp_path):
    from freqlens.attacks import pgd_attack

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(48, 3))
    x, y = torch.rand(4, 3, 4, 4), torch.tensor([0, 1, 2, 0])
    res = pgd_attack(model, x, y, eps=0.05, steps=2)
    spec = perturbation_spectrum(res, x, low_radius=1)
    assert np.allclose(spec.spectrum, perturbation_spectrum(res.adversarial, x, low_radius=1).spectrum)
    back = PerturbationSpectrumResult.load(spec.save(tmp_path / "s.json"))
    assert np.array_equal(back.spectrum, spec.spectrum) and back.low_energy_fraction == spec.low_energy_fraction
