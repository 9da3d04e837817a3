"""Spec B1: the real Fourier basis — unit norm, DFT support exactly the conjugate pair, orthogonality."""
import math

import pytest
import torch

from freqlens.errors import InputError
from freqlens.fourier.basis import fourier_basis, mirror_positions, position_grid, unique_positions


@pytest.mark.parametrize("h,w", [(32, 32), (31, 31), (8, 6), (7, 10), (5, 5)])
def test_unit_norm_real_and_dft_support_is_exactly_the_pair(h, w):
    pos = unique_positions(h, w)
    basis = fourier_basis(h, w, dtype=torch.float64)
    assert basis.shape == (pos.shape[0], h, w) and not basis.is_complex()
    assert torch.allclose(basis.flatten(1).norm(dim=1), torch.ones(pos.shape[0], dtype=torch.float64), atol=1e-12)
    spec = torch.fft.fftshift(torch.fft.fft2(basis), dim=(-2, -1)).abs()
    mir = mirror_positions(pos, h, w)
    for k in range(pos.shape[0]):
        support = spec[k] > 1e-9
        expected = torch.zeros(h, w, dtype=torch.bool)
        expected[pos[k, 0], pos[k, 1]] = True
        expected[mir[k, 0], mir[k, 1]] = True
        assert torch.equal(support, expected), (k, pos[k])


@pytest.mark.parametrize("h,w", [(32, 32), (31, 31), (6, 9)])
def test_distinct_pairs_are_orthogonal_and_counts(h, w):
    basis = fourier_basis(h, w, dtype=torch.float64).flatten(1)
    gram = basis @ basis.T
    assert torch.allclose(gram, torch.eye(gram.shape[0], dtype=torch.float64), atol=1e-10)
    # every position belongs to exactly one pair: pairs + self-conjugate cover H·W
    self_conj = (mirror_positions(unique_positions(h, w), h, w) == unique_positions(h, w)).all(1).sum()
    assert 2 * basis.shape[0] - int(self_conj) == h * w


def test_known_counts_and_dc_constant():
    assert unique_positions(32, 32).shape[0] == 514
    assert unique_positions(31, 31).shape[0] == 481
    dc = fourier_basis(32, 32, torch.tensor([[16, 16]]), dtype=torch.float64)[0]
    assert torch.allclose(dc, torch.full((32, 32), 1 / 32, dtype=torch.float64))
    # peak amplitude of a non-self-conjugate basis is sqrt(2)/sqrt(HW)
    u = fourier_basis(32, 32, torch.tensor([[16, 19]]), dtype=torch.float64)[0]
    assert u.abs().max() == pytest.approx(math.sqrt(2) / 32, rel=1e-3)


def test_mirror_and_position_grid_are_consistent():
    for h, w in [(32, 32), (31, 31), (4, 7)]:
        pos = unique_positions(h, w)
        grid = position_grid(h, w)
        assert (grid >= 0).all()
        mir = mirror_positions(pos, h, w)
        assert torch.equal(grid[mir[:, 0], mir[:, 1]], torch.arange(pos.shape[0]))
        # the basis of a position and of its mirror are the same image
        b1 = fourier_basis(h, w, pos)
        b2 = fourier_basis(h, w, mir)
        assert torch.allclose(b1, b2)


def test_bad_sizes_and_positions():
    with pytest.raises(InputError, match="positive"):
        fourier_basis(0, 4)
    with pytest.raises(InputError, match=r"\(M, 2\)"):
        fourier_basis(4, 4, torch.zeros(3, dtype=torch.long))
    with pytest.raises(InputError, match="lie in"):
        fourier_basis(4, 4, torch.tensor([[4, 0]]))


@pytest.mark.parametrize("height,width", [(1, 1), (1, 2), (2, 2), (3, 3), (4, 5), (5, 4), (7, 8), (31, 31),
                                          (32, 32), (33, 32), (1, 7)])
def test_unique_positions_keep_the_first_of_each_conjugate_pair_in_row_major_order(height, width):
    """The vectorised selection equals the plain scan: walk row-major, keep a position unless its partner came
    first (even and odd sizes, non-square, single rows)."""
    from freqlens.fourier.basis import mirror_position, unique_positions

    seen, expected = set(), []
    for p in range(height):
        for q in range(width):
            if (p, q) not in seen:
                expected.append((p, q))
                seen |= {(p, q), mirror_position(p, q, height, width)}
    assert unique_positions(height, width).tolist() == [list(t) for t in expected]
