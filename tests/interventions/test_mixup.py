import pytest
import torch

from freqlens.errors import InputError
from freqlens.interventions.mixup import MixUp


def test_mixup_mixes_images_and_labels_with_the_same_lambda_and_partner():
    x = torch.rand(16, 3, 4, 4, generator=torch.Generator().manual_seed(1))
    y = torch.arange(16) % 4
    torch.manual_seed(0)
    xm, ym = MixUp(4, alpha=0.5)(None, x, y)
    assert ym.shape == (16, 4) and torch.allclose(ym.sum(1), torch.ones(16))
    onehot = torch.nn.functional.one_hot(y, 4).float()
    # recover each sample's partner j and λ from the images; the labels must be mixed the same way
    lams = []
    for i in range(16):
        if float((xm[i] - x[i]).abs().max()) < 1e-6:  # partner is itself (fixed point of the permutation)
            assert torch.allclose(ym[i], onehot[i], atol=1e-5)
            continue
        best = None
        for j in range(16):
            d = x[i] - x[j]
            if float(d.abs().max()) < 1e-9:
                continue
            lam = float(((xm[i] - x[j]) * d).sum() / (d * d).sum())
            err = float((lam * x[i] + (1 - lam) * x[j] - xm[i]).abs().max())
            if best is None or err < best[0]:
                best = (err, j, lam)
        err, j, lam = best
        assert err < 1e-5
        assert torch.allclose(ym[i], lam * onehot[i] + (1 - lam) * onehot[j], atol=1e-5)
        lams.append(lam)
    assert max(lams) - min(lams) < 1e-4  # one λ per batch
    assert 0 <= lams[0] <= 1


def test_bad_mixup_arguments():
    with pytest.raises(InputError, match="alpha"):
        MixUp(10, alpha=0)
    with pytest.raises(InputError, match="num_classes"):
        MixUp(1)
