"""Training-loss curves."""
from __future__ import annotations

from freqlens.plot.style import new_axes


def plot_loss_curve(history, ax=None):
    """Mean training loss per epoch against epoch, on a log y scale.

    Args:
        history: a :class:`freqlens.train.FitHistory` (``losses``: one mean loss per epoch, in the loss's units).
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``.

    Raises:
        Nothing of its own (a non-positive loss is not drawn on the log scale).

    Source:
        freqlens.

    Example:
        >>> from freqlens.train import FitHistory
        >>> fig, ax = plot_loss_curve(FitHistory(losses=[1.0, 0.5, 0.2], seconds=0.1, epochs=3, steps=3))
        >>> ax.get_xlabel(), ax.get_ylabel(), ax.get_yscale()
        ('epoch', 'training loss', 'log')
    """
    fig, ax = new_axes(ax)
    ax.semilogy(range(1, len(history.losses) + 1), history.losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("Training loss")
    return fig, ax
