import math

import pytest
import torch

from freqlens.errors import InputError
from freqlens.fourier.filters import apply_mask, disk_mask, lfc_hfc_components, lfc_hfc_split, max_radius, scale_radius


def _images(n=3, c=3, h=32, w=32, seed=0):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_lfc_plus_hfc_is_the_image_exactly_and_real():
    x = _images()
    for r in (4, 8, 12.5, 16):
        lfc, hfc = lfc_hfc_split(x, r)
        assert lfc.dtype == x.dtype and not lfc.is_complex()
        assert float((lfc + hfc - x).abs().max()) < 1e-12
        # the masked spectrum is Hermitian-symmetric: the inverse has no imaginary part
        spec = torch.fft.fft2(x) * disk_mask(32, 32, r).to(torch.float64)
        assert float(torch.fft.ifft2(spec).imag.abs().max()) < 1e-12
    lfc32, hfc32 = lfc_hfc_split(x.float(), 8)
    assert float((lfc32 + hfc32 - x.float()).abs().max()) < 1e-5


@pytest.mark.parametrize("r,count", [(4, 45), (8, 193), (12, 437), (16, 793), (20, 995), (24, 1024)])
def test_retained_coefficient_counts_on_32x32(r, count):
    assert int(disk_mask(32, 32, r).sum()) == count


def test_inclusive_radius_keeps_the_boundary_ring():
    assert int(disk_mask(32, 32, 4, inclusive=True).sum()) == 49


def test_lfc_keeps_only_low_frequencies():
    x = _images(1, 1)
    lfc, hfc = lfc_hfc_split(x, 6)
    m = disk_mask(32, 32, 6)
    assert float(torch.fft.fft2(lfc)[..., ~m].abs().max()) < 1e-10
    assert float(torch.fft.fft2(hfc)[..., m].abs().max()) < 1e-10


def test_hfc_is_empty_above_the_half_diagonal_and_max_rescale_refuses():
    x = _images()
    assert max_radius(32, 32) == pytest.approx(16 * math.sqrt(2))
    lfc, hfc = lfc_hfc_split(x, 23)
    assert float(hfc.abs().max()) < 1e-12 and float((lfc - x).abs().max()) < 1e-12
    with pytest.raises(InputError, match="radius 23"):
        lfc_hfc_split(x, 23, rescale="max")


def test_lfc_energy_fraction_non_decreasing_in_radius():
    x = _images(4)
    fr = [float((lfc_hfc_split(x, r)[0] ** 2).sum() / (x ** 2).sum()) for r in (2, 4, 8, 12, 16, 20)]
    assert all(b >= a - 1e-12 for a, b in zip(fr, fr[1:]))


def test_odd_and_non_square_sizes_stay_exact_and_real():
    for h, w in ((31, 31), (28, 28), (27, 32)):
        x = _images(2, 3, h, w)
        lfc, hfc = lfc_hfc_split(x, 7)
        assert float((lfc + hfc - x).abs().max()) < 1e-12
        spec = torch.fft.fft2(x) * disk_mask(h, w, 7).to(torch.float64)
        assert float(torch.fft.ifft2(spec).imag.abs().max()) < 1e-12


def test_max_rescale_gives_unit_maximum():
    lfc, hfc = lfc_hfc_split(_images().float(), 8, rescale="max")
    assert torch.allclose(hfc.flatten(1).amax(1), torch.ones(3))
    assert torch.allclose(lfc.flatten(1).amax(1), torch.ones(3))


def test_bad_radius_and_rescale():
    with pytest.raises(InputError, match="radius"):
        lfc_hfc_split(_images(), 0)
    with pytest.raises(InputError, match="radius"):
        lfc_hfc_split(_images(), -3)
    with pytest.raises(InputError, match="rescale"):
        lfc_hfc_split(_images(), 4, rescale="l2")


def test_scale_radius():
    assert scale_radius(16, 28) == pytest.approx(14)


def test_lfc_hfc_components_match_per_radius_disk_filtering():
    # one FFT for all radii gives what separate disk filters give, radius by radius, with and without rescaling
    g = torch.Generator().manual_seed(3)
    x = torch.rand(5, 3, 32, 32, generator=g)
    radii = [4, 8, 12.5]
    lfc, hfc = lfc_hfc_components(x, radii)
    lfc_max, hfc_max = lfc_hfc_components(x, radii, rescale="max")
    for i, r in enumerate(radii):
        mask = disk_mask(32, 32, r)
        low, high = apply_mask(x, mask), apply_mask(x, ~mask)
        assert torch.allclose(lfc[i], low, atol=1e-5) and torch.allclose(hfc[i], high, atol=1e-5)
        peak = lambda t: t.flatten(1).amax(1).view(-1, 1, 1, 1)  # noqa: E731
        assert torch.allclose(lfc_max[i], low / peak(low), atol=1e-5)
        assert torch.allclose(hfc_max[i], high / peak(high), atol=1e-5)
        a, b = lfc_hfc_split(x, r, rescale="max")
        assert torch.equal(a, lfc_max[i]) and torch.equal(b, hfc_max[i])


def test_lfc_hfc_components_skip_a_component_left_out():
    x = torch.rand(2, 1, 8, 8)
    lfc, hfc = lfc_hfc_components(x, [2], components=("lfc",))
    assert hfc is None and lfc.shape == (1, 2, 1, 8, 8)


def test_apply_mask_with_a_precomputed_spectrum_equals_a_fresh_fft():
    from freqlens.fourier.filters import image_spectrum, lowpass_mask

    x = torch.rand(3, 2, 9, 9, generator=torch.Generator().manual_seed(0))
    mask = lowpass_mask(9, 9, 5)
    assert torch.equal(apply_mask(x, mask, image_spectrum(x)), apply_mask(x, mask))


def test_gaussian_blur_periodic_is_the_gaussian_transfer_function():
    import math

    import pytest
    import torch

    from freqlens.errors import InputError
    from freqlens.fourier.filters import gaussian_blur_periodic

    x = torch.rand(2, 3, 16, 16, dtype=torch.float64)
    y = gaussian_blur_periodic(x, 1.5)
    ratio = torch.fft.fft2(y)[..., 0, 3] / torch.fft.fft2(x)[..., 0, 3]
    gain = math.exp(-2 * math.pi ** 2 * 1.5 ** 2 * (3 / 16) ** 2)
    assert torch.allclose(ratio.real, torch.full_like(ratio.real, gain))
    assert torch.allclose(y.mean(dim=(-2, -1)), x.mean(dim=(-2, -1)))     # DC kept
    with pytest.raises(InputError, match="sigma"):
        gaussian_blur_periodic(x, 0.0)
