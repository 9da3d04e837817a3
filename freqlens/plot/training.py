"""Training-loss curves."""
from __future__ import annotations

from freqlens.plot.style import new_axes


def plot_loss_curve(history, ax=None):
    """Mean training loss per epoch on a log scale. ``history``: a :class:`freqlens.train.FitHistory`."""
    fig, ax = new_axes(ax)
    ax.semilogy(range(1, len(history.losses) + 1), history.losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("Training loss")
    return fig, ax
