import numpy as np
import pytest
import torch

from freqlens.errors import InputError
from freqlens.plot.conv_kernels import conv_kernel_mosaic, plot_conv_kernel_mosaic


def test_mosaic_layout_and_per_cell_scaling():
    w = torch.zeros(4, 3, 5, 5)
    w[2, 1] = torch.arange(25.0).reshape(5, 5) * 7 - 3      # one ramp kernel, arbitrary scale and offset
    m = conv_kernel_mosaic(w, max_filters=3)
    assert m.shape == (3 * 6 - 1, 3 * 6 - 1)                # 3 channels × 3 of 4 filters, 1-px gaps
    assert np.isnan(m[5, :]).all() and np.isnan(m[:, 5]).all()
    cell = m[6:11, 12:17]                                   # channel 1, filter 2
    assert cell.min() == 0 and cell.max() == 1 and np.allclose(cell, np.arange(25).reshape(5, 5) / 24)
    assert np.allclose(m[0:5, 0:5], 0)                      # a constant kernel maps to 0, not NaN


def test_plot_mosaic_has_a_colour_bar_and_rejects_non_kernels():
    fig, ax = plot_conv_kernel_mosaic(torch.randn(16, 3, 5, 5), title="t")
    assert len(fig.axes) == 2 and ax.get_title() == "t"
    with pytest.raises(InputError, match="C_out, C_in, k, k"):
        conv_kernel_mosaic(torch.randn(3, 5, 5))
