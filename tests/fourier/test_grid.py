"""freqlens.fourier.grid: frequency positions in both layouts, for even and odd sizes."""
import numpy as np
import pytest
import torch

from freqlens.errors import InputError
from freqlens.fourier.grid import centered_frequencies, chebyshev_radius, fft_frequencies, radial_frequency


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 8, 32, 33])
def test_frequencies_match_numpy_in_both_layouts(n):
    assert fft_frequencies(n).tolist() == (np.fft.fftfreq(n) * n).round().astype(int).tolist()
    assert centered_frequencies(n).tolist() == np.fft.fftshift(np.fft.fftfreq(n) * n).round().astype(int).tolist()
    assert torch.equal(torch.fft.fftshift(fft_frequencies(n)), centered_frequencies(n))


def test_even_and_odd_ends():
    assert centered_frequencies(8).tolist() == [-4, -3, -2, -1, 0, 1, 2, 3]  # Nyquist −N/2 first
    assert centered_frequencies(7).tolist() == [-3, -2, -1, 0, 1, 2, 3]      # symmetric
    assert fft_frequencies(8)[4] == -4 and fft_frequencies(7)[4] == -3


@pytest.mark.parametrize("h, w", [(8, 8), (7, 7), (8, 5), (5, 8), (1, 4)])
def test_radii_are_the_shifted_versions_of_each_other_with_dc_at_the_centre(h, w):
    r, c = radial_frequency(h, w), chebyshev_radius(h, w)
    assert r[0, 0] == 0 and c[0, 0] == 0
    assert torch.equal(torch.fft.fftshift(r), radial_frequency(h, w, centered=True))
    assert torch.equal(torch.fft.fftshift(c), chebyshev_radius(h, w, centered=True))
    assert radial_frequency(h, w, centered=True)[h // 2, w // 2] == 0
    fu = np.fft.fftfreq(h) * h
    fv = np.fft.fftfreq(w) * w
    np.testing.assert_allclose(r.numpy(), np.hypot(fu[:, None], fv[None, :]))
    np.testing.assert_array_equal(c.numpy(), np.maximum(np.abs(fu)[:, None], np.abs(fv)[None, :]))
    assert c.dtype == torch.int64 and r.dtype == torch.float64


def test_euclidean_and_chebyshev_differ_on_the_diagonal():
    assert radial_frequency(8, 8)[3, 3].item() == pytest.approx(3 * 2 ** 0.5)
    assert chebyshev_radius(8, 8)[3, 3].item() == 3
    assert radial_frequency(8, 8)[4, 4].item() == pytest.approx(4 * 2 ** 0.5)  # Nyquist corner, |−4|


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_sizes_are_one_line_errors(bad):
    with pytest.raises(InputError, match="must be an integer"):
        centered_frequencies(bad)
    with pytest.raises(InputError, match="must be an integer"):
        radial_frequency(bad, 4)
