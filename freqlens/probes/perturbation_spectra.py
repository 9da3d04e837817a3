"""Fourier analysis of adversarial perturbations: where in frequency an attack puts its energy."""
from __future__ import annotations

import dataclasses

import numpy as np
import torch

from freqlens.errors import InputError
from freqlens.results import Result


@dataclasses.dataclass
class PerturbationSpectrumResult(Result):
    """Mean |F(δ_c)| of perturbations δ = x_adv − x over images and channels, centred (H, W), with the energy share at
    low frequencies.

    Args:
        spectrum: (H, W) mean amplitude, centred (DC in the middle).
        low_energy_fraction: share of the perturbation energy at ρ = max(|f_u|, |f_v|) ≤ ``low_radius``.
        low_radius: ρ (cycles per image) up to which energy counts as low frequency.
        n_images: images averaged.
        attack: description of the attack (JSON-serialisable).
        label: model name for plots.

    Attributes:
        The arguments; :meth:`plot` draws :func:`~freqlens.plot.robustness.plot_perturbation_spectrum`.

    Raises:
        Nothing of its own.

    Source:
        Yin et al. 2019 (NeurIPS), Fourier spectrum of adversarial perturbations.

    Example:
        >>> import numpy as np
        >>> r = PerturbationSpectrumResult(spectrum=np.ones((4, 4)), low_energy_fraction=0.5)
        >>> r.low_radius, r.n_images
        (3, 0)
    """

    spectrum: np.ndarray
    low_energy_fraction: float          # energy share at max(|f_u|, |f_v|) ≤ low_radius
    low_radius: int = 3
    n_images: int = 0
    attack: dict = dataclasses.field(default_factory=dict)
    label: str = ""

    def plot(self, ax=None):
        """Centred map of the mean perturbation amplitude
        (:func:`freqlens.plot.robustness.plot_perturbation_spectrum`)."""
        from freqlens.plot.robustness import plot_perturbation_spectrum

        return plot_perturbation_spectrum(self, ax=ax)


def perturbation_spectrum(adversarial: torch.Tensor, images: torch.Tensor, low_radius: int = 3,
                          attack: dict | None = None, label: str = "") -> PerturbationSpectrumResult:
    """Fourier amplitude spectrum of the perturbations ``adversarial − images``.

    Args:
        adversarial: (N, C, H, W) adversarial images, or an :class:`~freqlens.attacks.result.AttackResult`
            (its ``adversarial``).
        images: (N, C, H, W) clean images, same shape.
        low_radius: ρ = max(|f_u|, |f_v|) (cycles per image) up to which energy counts as low frequency.
        attack: description of the attack stored with the result (JSON-serialisable).
        label: name of the model in plots.

    Returns:
        :class:`PerturbationSpectrumResult`: ``spectrum`` (H, W) the centred mean |DFT| over images and channels,
        ``low_energy_fraction`` in [0, 1] the share of Σ|DFT|² at ρ ≤ ``low_radius``.

    Raises:
        InputError: the two tensors differ in shape.

    Source:
        Yin, Gontijo Lopes, Shlens, Cubuk, Gilmer, "A Fourier Perspective on Model Robustness in Computer Vision",
        NeurIPS 2019, Sec. 4.2 / Fig. 6 (mean Fourier spectrum of adversarial perturbations).

    Example:
        >>> import torch
        >>> x = torch.zeros(2, 1, 8, 8)
        >>> res = perturbation_spectrum(x + 0.1, x)        # a constant shift: all energy at the DC term
        >>> round(res.low_energy_fraction, 6), res.spectrum.shape
        (1.0, (8, 8))
    """
    from freqlens.fourier.spectrum import amplitude_spectrum, low_frequency_energy_fraction

    if hasattr(adversarial, "adversarial") and not isinstance(adversarial, torch.Tensor):
        adversarial = adversarial.adversarial
    if adversarial.shape != images.shape:
        raise InputError(f"adversarial images {tuple(adversarial.shape)} and images {tuple(images.shape)} differ in "
                         "shape")
    delta = (adversarial.detach().double() - images.detach().double().to(adversarial.device)).cpu()
    return PerturbationSpectrumResult(spectrum=amplitude_spectrum(delta).numpy(),
                                      low_energy_fraction=low_frequency_energy_fraction(delta, low_radius),
                                      low_radius=int(low_radius), n_images=int(images.shape[0]),
                                      attack=dict(attack or {}), label=label)


__all__ = ["PerturbationSpectrumResult", "perturbation_spectrum"]
