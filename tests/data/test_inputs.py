"""freqlens/data/inputs.py: arrays and datasets turned into (N, C, H, W) images in [0, 1] and labels."""
import warnings

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, IterableDataset, TensorDataset

from freqlens.data.inputs import (
    coerce_image_tensor,
    images_from_array,
    iterate_batches,
    looks_channels_last,
    split_item,
)
from freqlens.errors import InputError
from freqlens.notices import FreqlensNotice


def _notes(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(w.message) for w in caught if w.category is FreqlensNotice]


def test_looks_channels_last():
    assert looks_channels_last((10, 32, 32, 3)) and looks_channels_last((2, 28, 28, 1))
    assert not looks_channels_last((10, 3, 32, 32)) and not looks_channels_last((32, 32, 3))
    assert not looks_channels_last((2, 3, 4, 3))           # ambiguous: read as channels-first


def test_images_from_array_converts_with_one_notice_each():
    arr = np.arange(2 * 5 * 5 * 3, dtype=np.uint8).reshape(2, 5, 5, 3)
    x, notes = _notes(lambda: images_from_array(arr, "d.npz['x']"))
    assert x.shape == (2, 3, 5, 5) and x.dtype == torch.float32
    assert torch.allclose(x[0, :, 0, 0], torch.tensor([0.0, 1.0, 2.0]) / 255)
    assert len(notes) == 2 and "channels-last" in notes[0] and "divided by 255" in notes[1]
    g, notes = _notes(lambda: images_from_array(np.zeros((2, 5, 5), np.float32), "g"))
    assert g.shape == (2, 1, 5, 5) and len(notes) == 1
    same, notes = _notes(lambda: images_from_array(np.full((1, 3, 2, 2), 0.5), "f"))
    assert same.shape == (1, 3, 2, 2) and float(same.max()) == 0.5 and notes == []
    with pytest.raises(InputError, match="dtype"):
        images_from_array(np.array([["a"]]), "s")
    with pytest.raises(InputError, match="expected images"):
        images_from_array(np.zeros((2, 2)), "flat")


def test_coerce_image_tensor_scales_uint8_and_refuses_channels_last():
    x, notes = _notes(lambda: coerce_image_tensor(torch.full((1, 1, 2, 2), 51, dtype=torch.uint8)))
    assert torch.allclose(x, torch.full((1, 1, 2, 2), 0.2)) and len(notes) == 1
    f = torch.rand(1, 3, 4, 4)
    assert coerce_image_tensor(f) is f
    with pytest.raises(InputError, match=r"permute\(0, 3, 1, 2\)"):
        coerce_image_tensor(torch.zeros(2, 8, 8, 3))


def test_split_item_and_iterate_batches():
    assert split_item((1, 2, 3)) == (1, 2) and split_item({"image": 1, "label": 2}) == (1, 2)
    with pytest.raises(InputError, match="dict with keys"):
        split_item({"picture": 1, "label": 2})
    with pytest.raises(InputError, match="got int"):
        split_item(5)
    ds = TensorDataset(torch.arange(5.0)[:, None, None, None], torch.arange(5))
    batches = list(iterate_batches(ds, batch_size=2))
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    loader = DataLoader(ds, batch_size=5)
    assert torch.equal(next(iterate_batches(loader))[1], torch.arange(5))
    dict_batches = [{"pixel_values": np.zeros((2, 1, 2, 2)), "labels": [0, 1]}]
    x, y = next(iterate_batches(dict_batches))
    assert isinstance(x, torch.Tensor) and y.tolist() == [0, 1]

    class Empty(IterableDataset):
        def __iter__(self):
            return iter(())

    with pytest.raises(InputError, match="empty"):
        next(iterate_batches(Empty()))
