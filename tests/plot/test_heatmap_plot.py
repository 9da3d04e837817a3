"""Fourier and Δ_F heat maps in the authors' convention: linear RdBu, small error red, large error blue."""
from types import SimpleNamespace

import numpy as np
from matplotlib.colors import LogNorm

from freqlens.plot.fprinciple import plot_projection_heatmap
from freqlens.plot.heatmap import heatmap_range, plot_heatmap, plot_heatmaps
from freqlens.probes.heatmap import HeatmapResult


def _map(values):
    return HeatmapResult(error=np.asarray(values, dtype=float), eps=4.0, n_images=1, clean_error=0.0, bounds=None,
                         seed=0)


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
