"""plot_accuracy_table: accuracies as a viridis image on [0, 1], each cell printed, a colour bar "accuracy"."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from freqlens.plot.conv_kernel_tables import plot_accuracy_table


def test_table_image_labels_and_cell_texts_equal_the_input():
    rows = [("natural ρ=0", [0.91, 0.12, 0.0]), ("natural ρ=1", [0.62, 0.35, 0.2])]
    cols = ["clean", "FGSM ε=0.01", "FGSM ε=0.03"]
    fig, ax = plot_accuracy_table(rows, cols, title="Kernel smoothing")
    im = ax.images[0]
    np.testing.assert_array_equal(im.get_array(), [[0.91, 0.12, 0.0], [0.62, 0.35, 0.2]])
    assert im.get_clim() == (0.0, 1.0) and im.get_cmap().name == "viridis"
    assert [t.get_text() for t in ax.get_xticklabels()] == cols
    assert [t.get_text() for t in ax.get_yticklabels()] == ["natural ρ=0", "natural ρ=1"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(["0.91", "0.12", "0.00", "0.62", "0.35", "0.20"])
    colorbars = [a for a in fig.axes if a is not ax]
    assert len(colorbars) == 1 and colorbars[0].get_ylabel() == "accuracy"
    assert ax.get_title() == "Kernel smoothing"
    plt.close(fig)


def test_ragged_rows_are_refused():
    with pytest.raises(ValueError):
        plot_accuracy_table([("a", [0.1, 0.2]), ("b", [0.3])], ["x", "y"])
