"""freqlens.validation: every input check gives a one-line InputError naming the value and the fix."""
import numpy as np
import pytest
import torch

from freqlens.errors import InputError, ModelOutputError
from freqlens.validation import (
    check_choice,
    check_images,
    check_integer,
    check_labels,
    check_labels_fit,
    check_nonempty,
    check_number,
    check_positive,
)


def _one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize("dtype", [torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8])
def test_check_labels_accepts_every_integer_dtype(dtype):
    y = check_labels(torch.tensor([3, 0, 1], dtype=dtype))
    assert y.dtype == torch.int64 and y.tolist() == [3, 0, 1]


def test_check_labels_converts_one_hot_rows_and_arrays():
    assert check_labels(np.eye(3, dtype=np.float32)[[2, 0, 1]]).tolist() == [2, 0, 1]
    assert check_labels(torch.eye(4, dtype=torch.int32)[[1, 3]]).tolist() == [1, 3]
    assert check_labels([[0], [2]]).tolist() == [0, 2]                    # (N, 1) column of indices
    assert check_labels([0, 1, 1]).tolist() == [0, 1, 1]


@pytest.mark.parametrize("labels, kwargs, message", [
    (torch.tensor([0.0, 1.0]), {}, "integer class indices"),
    (torch.tensor([[0.3, 0.7], [1.0, 0.0]]), {}, "not one-hot"),
    (torch.tensor([[1, 1], [1, 0]]), {}, "not one-hot"),
    (torch.tensor([0, -2]), {}, "non-negative"),
    (torch.tensor([0, 1, 2]), {"n": 2}, "3 samples but the images have 2"),
    (torch.tensor([0, 5]), {"num_classes": 5}, "num_classes is 5"),
    (torch.zeros(2, 2, 2, dtype=torch.long), {}, "expected \\(N,\\)"),
    ("cat", {}, "labels"),
])
def test_check_labels_refuses_in_one_line(labels, kwargs, message):
    with pytest.raises(InputError, match=message) as info:
        check_labels(labels, **kwargs)
    _one_line(info)


def test_check_images_contract():
    check_images(torch.rand(2, 1, 4, 4), torch.tensor([0, 1]))
    cases = [
        (torch.rand(1, 4, 4), None, "rank"),
        (torch.rand(0, 1, 4, 4), None, "empty"),
        ((torch.rand(2, 1, 4, 4) * 255).to(torch.uint8), None, "uint8.*/ 255"),
        (torch.full((2, 1, 4, 4), float("nan")), None, "NaN"),
        (torch.rand(2, 1, 4, 4) + 2, None, "outside bounds"),
        (torch.rand(2, 1, 4, 4), torch.tensor([0, 1, 2]), "must match"),
        (torch.rand(2, 1, 4, 4), torch.tensor([0.0, 1.0]), "non-negative integer"),
        ([[1.0]], None, "must be a tensor"),
    ]
    for images, labels, message in cases:
        with pytest.raises(InputError, match=message) as info:
            check_images(images, labels)
        _one_line(info)


def test_numbers_integers_choices_and_sequences():
    assert check_positive(2, "eps") == 2.0
    assert check_number(0, "cutoff", 0.0, strict=False) == 0.0
    assert check_integer(3.0, "steps") == 3
    assert check_choice("max", "rescale", ("none", "max")) == "max"
    assert check_nonempty((1, 2), "radii") == [1, 2]
    for call, message in (
        (lambda: check_positive(0, "eps", hint="an ℓ2 norm"), "eps must be > 0 \\(an ℓ2 norm\\), got 0"),
        (lambda: check_positive(float("inf"), "eps"), "eps must be > 0"),
        (lambda: check_positive("x", "eps"), "eps must be a number"),
        (lambda: check_number(-1, "cutoff", 0.0, strict=False), "cutoff must be ≥ 0"),
        (lambda: check_integer(2.5, "steps"), "steps must be an integer ≥ 1"),
        (lambda: check_integer(True, "steps"), "steps must be an integer"),
        (lambda: check_integer(1, "samples", minimum=2), "samples must be an integer ≥ 2"),
        (lambda: check_choice("min", "rescale", ("none", "max")), "rescale must be one of 'none', 'max', got 'min'"),
        (lambda: check_nonempty([], "radii", "(4, 8)"), "radii is empty; give at least one value, e.g. \\(4, 8\\)"),
    ):
        with pytest.raises(InputError, match=message) as info:
            call()
        _one_line(info)


def test_check_labels_fit_names_the_class_count():
    check_labels_fit(torch.zeros(3, 4), torch.tensor([0, 3, 1]))
    with pytest.raises(ModelOutputError, match="4 classes but a label is 4") as info:
        check_labels_fit(torch.zeros(3, 4), torch.tensor([0, 4, 1]))
    _one_line(info)


def test_probe_checks_go_through_validation():
    """The probes' argument checks are the validation helpers: same wording everywhere."""
    from freqlens.probes.filtering import filtered_accuracy
    from freqlens.probes.hfc import lfc_hfc_accuracy
    from freqlens.probes.layers import layer_frequency_response

    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2))
    x, y = torch.rand(4, 1, 4, 4), torch.tensor([0, 1, 0, 1])
    with pytest.raises(InputError, match="bandwidths is empty; give at least one value"):
        filtered_accuracy(model, x, y, bandwidths=[], progress=False)
    with pytest.raises(InputError, match="bn_eval must be one of 'running', 'batch'"):
        lfc_hfc_accuracy(model, x, y, radii=(1,), bn_eval="train", progress=False)
    with pytest.raises(InputError, match="radius must be > 0"):
        lfc_hfc_accuracy(model, x, y, radii=(0,), progress=False)
    with pytest.raises(InputError, match="mode must be one of 'basis', 'perturbation'"):
        layer_frequency_response(model, image_size=(1, 4, 4), mode="other", progress=False)
