"""Fourier and Δ_F heat maps in the authors' convention: linear RdBu, small error red, large error blue."""
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import LogNorm

from freqlens.errors import InputError
from freqlens.plot.fprinciple import plot_projection_heatmap
from freqlens.plot.heatmap import heatmap_range, plot_centred_map, plot_heatmap, plot_heatmaps, plot_per_class_heatmaps
from freqlens.probes.heatmap import HeatmapResult


def _map(values, **kw):
    return HeatmapResult(error=np.asarray(values, dtype=float), eps=4.0, n_images=1, clean_error=0.0, bounds=None,
                         seed=0, **kw)


def test_small_error_is_red_and_large_blue_on_a_linear_scale():
    fig, ax = plot_heatmap(_map([[10.0, 100.0]]), vmin=0.1, vmax=1.0)
    im = ax.images[0]
    assert im.get_cmap().name == "RdBu" and not isinstance(im.norm, LogNorm)
    low, high = im.cmap(im.norm(0.1)), im.cmap(im.norm(1.0))
    assert low[0] > low[2] and high[2] > high[0]          # red at 0.1, blue at 1
    assert np.allclose(im.get_array(), [[0.1, 1.0]])      # drawn as an error rate


def test_default_range_follows_the_data_and_maps_share_it():
    assert heatmap_range(_map([[20.0, np.nan, 60.0]])) == (0.2, 0.6)
    fig, axes = plot_heatmaps([_map([[20.0]]), _map([[60.0]])])
    assert [a.images[0].get_clim() for a in axes] == [(0.2, 0.6)] * 2


def test_delta_f_heatmap_is_linear_rdbu():
    r = SimpleNamespace(deltas=[[1.0, 0.5], [0.05, 0.2]], epochs=[0, 5], peak_freqs=[1.0, 2.0])
    fig, ax = plot_projection_heatmap(r, vmin=0.1, vmax=1.0)
    im = ax.images[0]
    assert im.get_cmap().name == "RdBu" and not isinstance(im.norm, LogNorm) and im.get_clim() == (0.1, 1.0)
    assert plot_projection_heatmap(r)[1].images[0].get_clim() == (0.05, 1.0)


def test_heatmap_colour_range_comes_from_the_data_unless_fixed():
    err = np.full((8, 8), 12.0)
    err[0, 0], err[4, 4] = 3.0, 41.0
    res = HeatmapResult(error=err, eps=4.0, n_images=10, clean_error=10.0, bounds=[0, 1], seed=0)
    fig, ax = res.plot()                                    # drawn as an error rate in [0, 1]
    assert ax.images[0].get_clim() == pytest.approx((0.03, 0.41))
    fig, ax = res.plot(vmin=0, vmax=1)
    assert ax.images[0].get_clim() == (0.0, 1.0)
    fig, axes = plot_heatmaps([res, _map(err + 20)])
    lims = [a.images[0].get_clim() for a in axes]
    assert lims[0] == lims[1] == pytest.approx((0.03, 0.61))               # one shared range
    plt.close("all")


def test_centred_map_axes_extent_and_colour_bar():
    values = np.arange(20.0).reshape(4, 5)
    fig, ax = plot_centred_map(values, title="demo", colorbar_label="power")
    im = ax.images[0]
    np.testing.assert_array_equal(im.get_array(), values)
    assert list(im.get_extent()) == [-2.5, 2.5, 1.5, -2.5]           # DC at (H//2, W//2) sits on (0, 0)
    assert ax.get_xlabel() == "horizontal frequency f_v (cycles/image)"
    assert ax.get_ylabel() == "vertical frequency f_u (cycles/image)"
    assert ax.get_title() == "demo" and len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "power"
    fig, ax = plot_centred_map(values + 1, log=True, vmin=1, vmax=20)
    assert isinstance(ax.images[0].norm, LogNorm) and ax.images[0].get_clim() == (1, 20)
    plt.close("all")


def test_error_map_title_says_what_is_plotted():
    res = _map([[10.0, 30.0]], label="resnet")
    res.clean_error = 5.0
    fig, ax = plot_heatmap(res)
    title = ax.get_title()
    assert title.startswith("resnet: error rate under Fourier-basis noise, ℓ2 = 4/channel")
    assert "clean error 0.05" in title and fig.axes[1].get_ylabel() == "error rate"
    plt.close(fig)


def test_quantity_maps_are_viridis_in_their_own_units():
    res = _map([[0.5, 2.5]], quantity="loss", clean_value=0.25)
    fig, ax = plot_heatmap(res)
    im = ax.images[0]
    assert im.get_cmap().name == "viridis" and np.allclose(im.get_array(), [[0.5, 2.5]])   # not divided by 100
    assert im.get_clim() == (0.5, 2.5) and fig.axes[1].get_ylabel() == "cross-entropy loss"
    assert "cross-entropy loss under Fourier-basis noise" in ax.get_title() and "clean 0.25" in ax.get_title()
    plt.close(fig)
    with pytest.raises(InputError, match="share no colour scale"):
        plot_heatmaps([_map([[1.0]]), _map([[1.0]], quantity="loss")])


def test_per_class_maps_share_one_range_and_are_titled_by_class():
    per_class = np.stack([np.full((3, 3), 10.0), np.full((3, 3), 30.0), np.full((3, 3), 50.0)])
    res = _map(np.full((3, 3), 30.0), per_class=per_class, class_counts=[4, 5, 6])
    fig, axes = plot_per_class_heatmaps(res, class_names=["cat", "dog", "bird"], ncols=2)
    assert [a.get_title() for a in axes] == ["cat (4 images)", "dog (5 images)", "bird (6 images)"]
    assert {a.images[0].get_clim() for a in axes} == {(0.1, 0.5)}               # error rate, one range
    for a, v in zip(axes, (0.1, 0.3, 0.5)):
        assert np.allclose(a.images[0].get_array(), v) and a.images[0].get_cmap().name == "RdBu"
    assert axes[0].get_ylabel() == "f_u (cycles/image)" and axes[2].get_ylabel() == "f_u (cycles/image)"
    assert axes[1].get_xlabel() == "f_v (cycles/image)" and axes[2].get_xlabel() == "f_v (cycles/image)"
    bars = [a for a in fig.axes if a.get_label() == "<colorbar>"]
    assert len(bars) == 1 and bars[0].get_ylabel() == "error rate"
    assert "per true class" in fig._suptitle.get_text()
    plt.close(fig)


def test_per_class_maps_refuse_a_map_without_classes_and_wrong_names():
    with pytest.raises(InputError, match="per_class=True"):
        plot_per_class_heatmaps(_map(np.ones((3, 3))))
    res = _map(np.ones((3, 3)), per_class=np.ones((2, 3, 3)))
    with pytest.raises(InputError, match="3 class names for 2 per-class maps"):
        plot_per_class_heatmaps(res, class_names=["a", "b", "c"])


def test_constant_error_map_gets_the_full_range_so_its_colour_matches_its_value():
    lo, hi = heatmap_range(_map(np.full((3, 3), 100.0)))
    assert (lo, hi) == (0.0, 1.0)
    fig, ax = plot_heatmap(_map(np.full((3, 3), 100.0)))
    im = ax.images[0]
    rgba = im.cmap(im.norm(1.0))
    assert rgba[2] > rgba[0]                              # 100 % error is drawn blue ("blue: large"), not red
    assert heatmap_range(_map(np.full((2, 2), 83.3333) + np.array([[0.0, 1e-5]]))) == (0.0, 1.0)


def test_constant_quantity_map_gets_a_small_range_centred_on_its_value():
    lo, hi = heatmap_range(_map(np.full((2, 2), 2.0), quantity="loss"))
    assert lo < 2.0 < hi and abs((lo + hi) / 2 - 2.0) < 1e-9 and hi - lo <= 0.5
    lo, hi = heatmap_range(_map(np.zeros((2, 2)), quantity="logit_change"))
    assert lo < 0.0 < hi


def test_colour_bars_have_no_offset_notation():
    fig, ax = plot_heatmap(_map([[83.33331, 83.33339]]), vmin=0.833333, vmax=0.833334)   # a narrow range
    cax = fig.axes[-1]
    fig.canvas.draw()
    assert cax.yaxis.get_offset_text().get_text() == ""
    res = _map(np.full((3, 3), 83.3333), per_class=np.full((2, 3, 3), 83.3333), class_counts=[1, 1])
    fig, axes = plot_per_class_heatmaps(res, vmin=0.833333, vmax=0.833334)
    fig.canvas.draw()
    assert fig.axes[-1].yaxis.get_offset_text().get_text() == ""


def test_inverted_colour_range_is_a_one_line_input_error():
    with pytest.raises(InputError, match="vmin 2 >= vmax 1") as e:
        plot_heatmap(_map([[10.0, 20.0]]), vmin=2, vmax=1)
    assert "\n" not in str(e.value)
    with pytest.raises(InputError):
        heatmap_range(_map([[10.0]]), 0.5, 0.5)


def test_per_class_panels_use_the_results_names_pad_missing_ones_and_skip_classes_without_images():
    per_class = np.stack([np.full((3, 3), 10.0), np.full((3, 3), np.nan), np.full((3, 3), 50.0),
                          np.full((3, 3), np.nan)])
    res = _map(np.full((3, 3), 30.0), per_class=per_class, class_counts=[1, 0, 2, 0], class_names=["bee", "cat"])
    fig, axes = plot_per_class_heatmaps(res)
    assert [a.get_title() for a in axes] == ["bee (1 image)", "class 2 (2 images)"]    # singular; padded name
    assert fig._suptitle.get_text().endswith("no images: cat, class 3")
    assert sum(a.get_visible() for a in fig.axes if a.get_label() != "<colorbar>") == 2  # no empty white panels
    with pytest.raises(InputError, match="5 class names for 4 per-class maps"):
        plot_per_class_heatmaps(res, class_names=list("abcde"))


def test_frequency_axes_have_integer_ticks_only():
    fig, ax = plot_heatmap(_map(np.full((3, 3), 50.0)))
    fig.canvas.draw()
    assert all(float(t).is_integer() for t in list(ax.get_xticks()) + list(ax.get_yticks()))
    res = _map(np.full((3, 3), 30.0), per_class=np.full((2, 3, 3), 30.0), class_counts=[1, 1])
    fig, axes = plot_per_class_heatmaps(res)
    fig.canvas.draw()
    assert all(float(t).is_integer() for a in axes for t in list(a.get_xticks()) + list(a.get_yticks()))


def test_a_long_label_wraps_the_title_instead_of_running_off_the_figure():
    res = _map([[10.0, 30.0]], label="models.py:a_rather_long_model_factory_name")
    fig, ax = plot_heatmap(res)
    assert all(len(line) <= 62 for line in ax.get_title().splitlines())
    assert ax.get_title().replace("\n", " ").startswith("models.py:a_rather_long_model_factory_name: error rate")
    plt.close(fig)
