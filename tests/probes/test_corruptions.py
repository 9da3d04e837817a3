"""The imagecorruptions adapter (optional extra) and the built-in approximations."""
import numpy as np
import pytest
import torch

from freqlens.errors import ConfigError, InputError, MissingDependencyError
from freqlens.fourier.spectrum import high_frequency_fraction
from freqlens.probes import corruptions as C


def _images(n=6, size=32):
    g = torch.Generator().manual_seed(0)
    base = torch.rand(n, 3, 4, 4, generator=g)
    return torch.nn.functional.interpolate(base, size=size, mode="bilinear", align_corners=False).clamp(0, 1)


def test_builtin_noise_is_high_frequency_and_contrast_fog_low():
    x = _images()
    hf = {n: high_frequency_fraction(C.corrupt(x, n, 3, backend="builtin") - x) for n in C.BUILTIN_CORRUPTIONS}
    assert min(hf["gaussian_noise"], hf["shot_noise"], hf["impulse_noise"]) > 0.5
    assert max(hf["fog"], hf["contrast"], hf["brightness"]) < 0.2


def test_seeded_and_leaves_global_rng_alone():
    x = _images()
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a = C.corrupt(x, "gaussian_noise", 2, seed=5)
    assert np.array_equal(np.random.get_state()[1], before)
    b = C.corrupt(x, "gaussian_noise", 2, seed=5)
    assert torch.equal(a, b) and not torch.equal(a, C.corrupt(x, "gaussian_noise", 2, seed=6))
    assert a.min() >= 0 and a.max() <= 1 and a.shape == x.shape


def test_unknown_corruption_name_and_bad_inputs():
    x = _images(2)
    with pytest.raises(ConfigError, match="unknown corruption 'fogg'.*did you mean fog"):
        C.corrupt(x, "fogg", 3)
    with pytest.raises(InputError, match="severity"):
        C.corrupt(x, "fog", 6)
    with pytest.raises(InputError, match="outside bounds"):
        C.corrupt(x * 3, "fog", 3)
    with pytest.raises(InputError, match="1 or 3 channels"):
        C.corrupt(torch.rand(2, 2, 32, 32), "contrast", 3)


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setattr(C, "_PACKAGE", None)
    monkeypatch.setattr(C, "imagecorruptions_available", lambda: False)
    with pytest.raises(MissingDependencyError, match=r"freqlens\[corruptions\]"):
        C.corrupt(_images(1), "fog", 3, backend="imagecorruptions")
    assert C.resolve_backend("auto") == "builtin"


needs_package = pytest.mark.skipif(not C.imagecorruptions_available(),
                                   reason="optional extra 'corruptions' not installed")


@needs_package
def test_package_adapter_runs_every_corruption_on_cifar_size_images():
    x = _images(2)
    for name in C.ALL_CORRUPTIONS:
        if name == "glass_blur":
            continue  # slow; exercised by the corruption-spectra recipe
        xc = C.corrupt(x, name, 3, seed=0, backend="imagecorruptions")
        assert xc.shape == x.shape and 0 <= float(xc.min()) and float(xc.max()) <= 1
        assert float((xc - x).abs().mean()) > 1e-3, name
    noisy = C.corrupt(x, "gaussian_noise", 3, backend="imagecorruptions")
    assert high_frequency_fraction(noisy - x) > 0.5
    assert high_frequency_fraction(C.corrupt(x, "fog", 3, backend="imagecorruptions") - x) < 0.2


@needs_package
def test_package_refuses_small_images_and_handles_grayscale():
    with pytest.raises(InputError, match="at least 32"):
        C.corrupt(torch.rand(1, 3, 28, 28), "fog", 3, backend="imagecorruptions")
    g = C.corrupt(_images(2)[:, :1], "contrast", 3, backend="imagecorruptions")
    assert g.shape == (2, 1, 32, 32)
