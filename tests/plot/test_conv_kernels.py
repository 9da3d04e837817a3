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


def test_conv_kernel_panels_stack_one_mosaic_per_weight_with_titles_and_colour_bars():
    import torch

    from freqlens.plot.conv_kernels import conv_kernel_mosaic, plot_conv_kernel_panels

    g = torch.Generator().manual_seed(0)
    w = [torch.randn(4, 3, 5, 5, generator=g) for _ in range(3)]
    fig, axes = plot_conv_kernel_panels([(x, f"model {i}") for i, x in enumerate(w)], "three models")
    assert [ax.get_title() for ax in axes] == ["model 0", "model 1", "model 2"]
    assert len(fig.axes) == 6 and fig._suptitle.get_text() == "three models"     # + one colour bar each
    for ax, x in zip(axes, w):
        np.testing.assert_array_equal(np.ma.filled(ax.images[0].get_array(), np.nan),
                                      np.ma.filled(np.ma.masked_invalid(conv_kernel_mosaic(x)), np.nan))
    with pytest.raises(InputError, match="at least one"):
        plot_conv_kernel_panels([])


def test_smoothness_penalty_sweep_draws_roughness_and_accuracies_against_lambda():
    import torch

    from freqlens.plot.conv_kernels import plot_smoothness_penalty_sweep

    lams, rough, clean, fgsm = [0.0, 1e-3, 1e-1], [3.1, 2.0, 0.5], [0.6, 0.58, 0.5], [0.2, 0.25, 0.3]
    weights = {lam: torch.randn(4, 3, 5, 5) for lam in lams}
    fig, axes = plot_smoothness_penalty_sweep(lams, rough, clean, fgsm, weights, "FGSM ε = 2/255", 500,
                                              reference_roughness=3.2, suptitle="sweep")
    ax_r, ax_a = axes[:2]
    np.testing.assert_allclose(ax_r.lines[0].get_ydata(), rough)
    assert ax_r.lines[1].get_ydata()[0] == pytest.approx(3.2)                 # the reference line
    np.testing.assert_allclose(ax_a.lines[0].get_ydata(), clean)
    np.testing.assert_allclose(ax_a.lines[1].get_ydata(), fgsm)
    assert [t.get_text() for t in ax_a.get_xticklabels()] == ["0", "1e-3", "1e-1"]
    assert ax_a.get_ylabel() == "accuracy (500 test images)" and ax_a.get_legend().get_texts()[1].get_text() == \
        "FGSM ε = 2/255"
    assert "λ = 0 " in axes[2].get_title() and "λ = 0.1 " in axes[3].get_title()
    with pytest.raises(InputError, match="one value per λ"):
        plot_smoothness_penalty_sweep(lams, rough[:2], clean, fgsm, weights, "x", 1)
