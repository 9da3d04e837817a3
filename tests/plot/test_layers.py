"""freqlens.plot.layers: frequency axes in cycles per image and a colour bar for every gain map."""
import matplotlib.pyplot as plt
import numpy as np

from freqlens.plot.layers import plot_kernel_spectra, plot_layer_response
from freqlens.probes.layers import KernelSpectra, LayerResponse


def test_layer_response_maps_share_one_labelled_colour_bar():
    gain = np.stack([np.full((8, 8), 0.5), np.full((8, 8), 2.0)])
    r = LayerResponse(layer_names=["conv", "relu"], layer_types=["Conv2d", "ReLU"], gain=gain,
                      gain_pairs=np.ones((2, 2)), positions=np.zeros((2, 2)), mode="basis", eps=1.0, n_images=1,
                      image_size=[1, 8, 8])
    fig, axes = plot_layer_response(r)
    maps = axes[:-1]
    assert all(a.get_xlabel() == "f_v (cycles/image)" and a.get_ylabel() == "f_u (cycles/image)" for a in maps)
    clims = {a.images[0].get_clim() for a in maps}
    assert len(clims) == 1 and np.allclose(next(iter(clims)), np.log10([0.5, 2.0]))   # one shared log scale
    assert "log10 gain" in fig.axes[2].get_ylabel()
    assert axes[-1].get_xlabel() == "layer (input → output)"
    plt.close("all")


def test_kernel_spectra_each_map_has_a_colour_bar():
    s = KernelSpectra(layer_names=["a", "b"], kernel_sizes=[[3, 3], [5, 5]], spectra=np.ones((2, 8, 8)), size=8)
    fig, axes = plot_kernel_spectra(s)
    assert [a.get_ylabel() for a in fig.axes if a.get_ylabel() == "mean |DFT|"] == ["mean |DFT|"] * 2
    assert axes[0, 1].get_ylabel() == "f_u (cycles/image)"
    plt.close("all")
