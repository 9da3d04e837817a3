import pytest
import torch

from freqlens.errors import InputError
from freqlens.fourier import find_peaks, relative_error_at


def test_find_peaks_interior_and_limits():
    a = torch.tensor([0.0, 1.0, 0.0, 3.0, 0.0, 0.05, 0.0])
    assert find_peaks(a).tolist() == [1, 3, 5]
    assert find_peaks(a, min_relative_height=0.1).tolist() == [1, 3]
    assert find_peaks(a, max_index=3).tolist() == [1]
    assert find_peaks(torch.tensor([5.0, 1.0, 2.0, 1.0]), include_ends=True).tolist() == [0, 2]


def test_relative_error_modes():
    y = torch.tensor([1 + 0j, 2j])
    h = torch.tensor([1j, 2j])
    assert torch.allclose(relative_error_at(h, y, "complex"), torch.tensor([2 ** 0.5, 0.0], dtype=torch.float64))
    assert torch.allclose(relative_error_at(h, y, "amplitude"), torch.zeros(2, dtype=torch.float64), atol=1e-4)
    with pytest.raises(InputError, match="shape"):
        relative_error_at(h[:1], y)
