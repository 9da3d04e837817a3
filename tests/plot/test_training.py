"""plot_loss_curve: mean loss per epoch against epoch 1..E, log y."""
import matplotlib.pyplot as plt
import numpy as np

from freqlens.plot.training import plot_loss_curve
from freqlens.train import FitHistory


def test_loss_curve_plots_each_epoch_loss_on_a_log_scale():
    losses = [2.0, 0.7, 0.3, 0.05]
    fig, ax = plot_loss_curve(FitHistory(losses=losses, seconds=1.0, epochs=4, steps=40))
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(line.get_ydata(), losses)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_yscale()) == ("epoch", "training loss", "log")
    assert ax.get_title() == "Training loss"
    plt.close(fig)


def test_draws_into_the_given_axes():
    fig, ax = plt.subplots()
    out_fig, out_ax = plot_loss_curve(FitHistory(losses=[1.0], seconds=0.0, epochs=1, steps=1), ax=ax)
    assert out_ax is ax and out_fig is fig
    plt.close(fig)
