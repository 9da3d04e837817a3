"""Adversarial attacks, one record for all: every function returns an :class:`AttackResult`.

- :mod:`~freqlens.attacks.pgd` — :func:`pgd_attack` (L∞ / L2), :func:`fgsm` (optionally with a random start),
  :func:`fgsm_sweep` and :func:`minimal_pgd` (smallest successful ε per image).
- :mod:`~freqlens.attacks.minimal` — :func:`deepfool` (L2) and :func:`carlini_wagner_l2`.
- :mod:`~freqlens.attacks.square` — :func:`square_attack`, the score-based L∞ black-box attack.
- :mod:`~freqlens.attacks.eot` — :func:`eot_pgd`, PGD through any randomised model.
- :mod:`~freqlens.attacks.fourier_basis` — :func:`fourier_basis_attack`, query-only single-frequency attack.
- :mod:`~freqlens.attacks.result` — :class:`AttackResult`.

Images are taken in input space before normalisation (``bounds``, default [0, 1]); any ``nn.Module`` classifier
returning logits (N, classes) can be attacked.
"""
from __future__ import annotations

from freqlens.attacks.eot import eot_pgd
from freqlens.attacks.fourier_basis import fourier_basis_attack
from freqlens.attacks.minimal import carlini_wagner_l2, deepfool
from freqlens.attacks.pgd import fgsm, fgsm_sweep, minimal_pgd, pgd_attack
from freqlens.attacks.result import AttackResult
from freqlens.attacks.square import square_attack

__all__ = ["AttackResult", "pgd_attack", "fgsm", "fgsm_sweep", "minimal_pgd", "deepfool", "carlini_wagner_l2",
           "square_attack", "eot_pgd", "fourier_basis_attack"]
