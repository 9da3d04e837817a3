"""Figure of an :class:`~freqlens.attacks.result.AttackResult`: the size of its successful perturbations."""
from __future__ import annotations

import numpy as np

from freqlens.plot.style import new_axes


def plot_attack_result(result, ax=None):
    """Histogram of the per-image perturbation size of the successful adversarials of one attack.

    Args:
        result: an :class:`~freqlens.attacks.result.AttackResult`.
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(figure, axes)``.

    Raises:
        Nothing for a valid result; an attack without successes draws an empty histogram with a note.

    Source:
        freqlens.

    Example:
        >>> import torch
        >>> from freqlens.attacks import pgd_attack
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
        >>> res = pgd_attack(model, torch.rand(6, 1, 2, 2), torch.tensor([0, 1] * 3), eps=0.3, steps=3)
        >>> fig, ax = plot_attack_result(res)
        >>> ax.get_xlabel()
        'L∞ perturbation (input units)'
    """
    fig, ax = new_axes(ax)
    norm = result.params.get("norm", "linf")
    if result.attack in ("deepfool", "cw_l2"):
        norm = "l2"
    sizes = (result.l2 if norm == "l2" else result.linf).detach().cpu().numpy()
    ok = result.success.detach().cpu().numpy().astype(bool)
    if result.clean_pred is not None:
        ok &= (result.clean_pred == result.labels).detach().cpu().numpy().astype(bool)
    name = "L2" if norm == "l2" else "L∞"
    if ok.any():
        ax.hist(sizes[ok], bins=min(30, max(5, int(ok.sum()))), color="C0", alpha=0.8)
    else:
        ax.text(0.5, 0.5, "no successful adversarial", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(f"{name} perturbation (input units)")
    ax.set_ylabel("images")
    rate = result.success_rate
    ax.set_title(f"{result.attack}{' · ' + result.label if result.label else ''}: "
                 f"success {100 * rate:.1f} % of correct images" if np.isfinite(rate) else result.attack, fontsize=9)
    return fig, ax


__all__ = ["plot_attack_result"]
