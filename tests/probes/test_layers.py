import numpy as np
import pytest
import torch
from torch import nn
from torchrun_helper import failure_text, run_torchrun

from freqlens.errors import InputError
from freqlens.fourier.basis import position_grid, unique_positions
from freqlens.fourier.grid import radial_frequency
from freqlens.probes.layers import LayerResponse, kernel_spectra, layer_frequency_response, probed_layers


def _blur_net():
    conv = nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular", bias=False)
    conv.weight.data[:] = 1.0 / 9  # box blur: a low-pass filter
    sharp = nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular", bias=False)
    sharp.weight.data[:] = -1.0 / 9
    sharp.weight.data[0, 0, 1, 1] = 8.0 / 9  # identity minus blur: a high-pass filter
    return nn.Sequential(conv, sharp, nn.Flatten(), nn.Linear(64, 3))


def test_basis_mode_recovers_the_transfer_function_of_linear_conv_layers():
    net = _blur_net()
    resp = layer_frequency_response(net, image_size=(1, 8, 8), eps=1.0, progress=False)
    assert resp.gain.shape == (3, 8, 8) and resp.layer_names == ["0", "1", "3"]
    # exact transfer function of a circular 3x3 box blur: |DFT of the kernel| at each frequency
    k = torch.zeros(8, 8)
    k[:3, :3] = 1.0 / 9
    h = torch.fft.fftshift(torch.fft.fft2(k).abs()).numpy()
    assert np.allclose(resp.gain[0], h, atol=1e-5)
    ratio = resp.band_ratio(low=1.5, high=3)
    assert ratio[0] < 0.3  # the blur attenuates high frequencies
    # after the blur-then-sharpen cascade the total gain is |H_blur| * |1 - H_blur|
    s = -k.clone()
    s[1, 1] += 1.0
    hs = torch.fft.fftshift(torch.fft.fft2(s).abs()).numpy()
    assert np.allclose(resp.gain[1], h * hs, atol=1e-5)


def test_perturbation_mode_on_images_and_roundtrip(tmp_path):
    net = _blur_net()
    imgs = torch.rand(3, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 0.5 + 0.25
    resp = layer_frequency_response(net, images=imgs, mode="perturbation", eps=0.5, n_images=2, progress=False)
    basis = layer_frequency_response(net, image_size=(1, 8, 8), eps=0.5, progress=False)
    # linear network without clipping: the response does not depend on the reference image
    assert np.allclose(resp.gain, basis.gain, atol=1e-5) and resp.n_images == 2
    resp.save(tmp_path / "r.json")
    back = LayerResponse.load(tmp_path / "r.json")
    assert np.allclose(back.gain, resp.gain)
    fig, _ = resp.plot()
    assert "gain" in fig._suptitle.get_text()


def test_gain_map_is_symmetric_under_conjugation():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3), nn.Flatten(), nn.Linear(144, 2))
    resp = layer_frequency_response(net, image_size=(3, 8, 8), progress=False)
    grid = position_grid(8, 8)
    assert np.allclose(resp.gain[1], resp.gain_pairs[1][grid.numpy()])
    assert resp.gain_pairs.shape[1] == unique_positions(8, 8).shape[0]


def test_model_without_conv_layers_is_rejected():
    with pytest.raises(InputError, match="no convolutional layer"):
        layer_frequency_response(nn.Sequential(nn.Flatten(), nn.Linear(64, 2)), image_size=(1, 8, 8), progress=False)
    with pytest.raises(InputError, match="no nn.Conv2d"):
        kernel_spectra(nn.Linear(3, 3))


def test_hooks_are_removed_and_model_unchanged_after_a_failed_probe():
    net = _blur_net()
    net.train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(RuntimeError):
        layer_frequency_response(net, image_size=(1, 9, 9), progress=False)  # Linear(64) cannot take 81
    for m in net.modules():
        assert len(m._forward_hooks) == 0 and len(m._forward_pre_hooks) == 0
    assert net.training and all(m.training for m in net.modules())
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k])
    # and after a successful probe too
    layer_frequency_response(net, image_size=(1, 8, 8), progress=False)
    assert all(len(m._forward_hooks) == 0 for m in net.modules())


def test_bad_arguments():
    net = _blur_net()
    with pytest.raises(InputError, match="mode"):
        layer_frequency_response(net, image_size=(1, 8, 8), mode="both", progress=False)
    with pytest.raises(InputError, match="natural images"):
        layer_frequency_response(net, mode="perturbation", progress=False)
    with pytest.raises(InputError, match="image_size"):
        layer_frequency_response(net, progress=False)
    with pytest.raises(InputError, match="no Conv/Linear layer named"):
        probed_layers(net, ["fc9"])
    with pytest.raises(InputError, match="eps"):
        layer_frequency_response(net, image_size=(1, 8, 8), eps=0, progress=False)


def test_kernel_spectra_of_a_box_filter_peaks_at_dc():
    spec = kernel_spectra(_blur_net(), size=16)
    assert spec.spectra.shape == (2, 16, 16)
    assert spec.spectra[0][8, 8] == pytest.approx(1.0)
    assert spec.spectra[0][8, 8] == spec.spectra[0].max()
    assert spec.spectra[1][8, 8] == pytest.approx(0.0, abs=1e-7)  # identity minus blur removes DC
    assert radial_frequency(16, 16, centered=True)[8, 8] == 0


LAYERS_DIST = '''
import os, sys, numpy as np, torch
from torch import nn
from freqlens.probes.layers import layer_frequency_response
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 2, 3, padding=1), nn.Flatten(),
                    nn.Linear(2 * 8 * 8, 3))
res = layer_frequency_response(net, image_size=(3, 8, 8), window=3, max_batch=5, progress=False)
np.save(sys.argv[1] + f".rank{os.environ.get('RANK', '0')}.npy", res.gain)
'''


def test_layers_sharded_over_two_gloo_processes_equal_one_process(tmp_path):
    import runpy
    import sys

    script = tmp_path / "dist_layers.py"
    script.write_text(LAYERS_DIST)
    out = str(tmp_path / "gain")
    proc = run_torchrun(script, out, timeout=240)
    assert proc.returncode == 0, failure_text(proc)
    argv = sys.argv
    try:
        sys.argv = [str(script), out + "-single"]
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv
    single = np.load(out + "-single.rank0.npy")
    assert single.shape == (3, 7, 7) and np.isfinite(single).all()
    for r in (0, 1):
        np.testing.assert_allclose(np.load(out + f".rank{r}.npy"), single, rtol=1e-6)


def test_layers_window_is_stored_at_its_size_and_matches_the_full_map():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 8 * 8, 3))
    full = layer_frequency_response(net, image_size=(3, 8, 8), progress=False, max_batch=64)
    win = layer_frequency_response(net, image_size=(3, 8, 8), progress=False, window=2)   # default batch (budget)
    assert win.gain.shape == (2, 5, 5) and win.window == 2
    np.testing.assert_allclose(win.gain, full.gain[:, 2:7, 2:7], rtol=1e-6)
