"""Running a model: the one home of forward passes, predictions and accuracy.

Every probe, tracker, recipe and the report reach the model through this module, so that one set of rules
holds everywhere:

- ``output=`` picks the class scores from whatever the model returns (:func:`select_output`): a dict key, a
  tuple index or a callable. By default: the tensor itself, else the ``logits`` key or attribute (Hugging-Face
  style outputs), else the first tensor.
- Scores (N, C) with C ≥ 2 predict ``argmax``; a single logit (N,) or (N, 1) predicts class 1 where the logit
  is > 0 (:func:`predicted_labels`). :func:`forward_logits` turns a single logit z into the two-class logits
  (0, z), so softmax, cross-entropy and argmax give the binary model's own answer.
- Inputs are cast to the model's floating dtype and moved to its device; float64, float16 and bfloat16 models
  run. ``amp=True`` runs under :func:`torch.autocast` for the model's device.
- ``normalize=`` is a callable or a (mean, std) pair (:func:`as_normalize`), applied right before the model.
- Images come as a tensor, a :class:`~torch.utils.data.Dataset` or a :class:`~torch.utils.data.DataLoader`
  (:func:`batches`).
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from freqlens.device import eval_mode, model_device
from freqlens.errors import InputError, ModelOutputError
from freqlens.normalization import MeanStd, NormalizeArg, as_normalize, resolve_normalize
from freqlens.validation import check_integer, check_labels, check_labels_fit, check_same_length

#: What ``output=`` accepts: None (default rule), a dict key / attribute name, a tuple index, or a callable.
OutputSelector = str | int | Callable[[Any], torch.Tensor] | None
#: What ``normalize=`` accepts: None, a callable images → images, or a (mean, std) pair of per-channel values.

DEFAULT_BATCH = 1024


def _describe(raw: Any) -> str:
    if isinstance(raw, torch.Tensor):
        return f"a tensor of shape {tuple(raw.shape)}"
    if isinstance(raw, Mapping):
        return f"a {type(raw).__name__} with keys {list(raw.keys())}"
    if isinstance(raw, (tuple, list)):
        return f"a {type(raw).__name__} of {len(raw)} items"
    return f"a {type(raw).__name__}"


def select_output(raw: Any, selector: OutputSelector = None) -> torch.Tensor:
    """The tensor of class scores inside a model's raw output.

    Args:
        raw: what ``model(x)`` returned: a tensor, a dict, a tuple/list, or an object with attributes (such as
            a Hugging-Face ``ModelOutput`` with ``.logits``).
        selector: None for the default rule (the tensor itself, else the ``logits`` key or attribute, else the
            first tensor of a dict or tuple); a ``str`` key (or attribute name); an ``int`` index into a
            tuple/list; or a callable ``raw → tensor``.

    Returns:
        The selected tensor, unchanged (e.g. (N, C) logits).

    Raises:
        ModelOutputError: one line naming what the model returned and how to pick the scores.

    Source: freqlens.

    Example:
        >>> select_output({"feat": torch.zeros(2, 5), "logits": torch.ones(2, 3)}).shape
        torch.Size([2, 3])
        >>> select_output((torch.zeros(2, 4), torch.ones(2, 3)), 1).shape
        torch.Size([2, 3])
    """
    if selector is None:
        if isinstance(raw, torch.Tensor):
            return raw
        if isinstance(raw, Mapping):
            if isinstance(raw.get("logits"), torch.Tensor):
                return raw["logits"]
            for value in raw.values():
                if isinstance(value, torch.Tensor):
                    return value
        elif isinstance(getattr(raw, "logits", None), torch.Tensor):
            return raw.logits
        elif isinstance(raw, (tuple, list)):
            for value in raw:
                if isinstance(value, torch.Tensor):
                    return value
        raise ModelOutputError(f"the model returned {_describe(raw)} with no tensor of scores; pass output= "
                               "(a dict key, a tuple index or a callable) to pick them")
    if isinstance(selector, bool):
        raise ModelOutputError(f"output= must be a dict key, a tuple index or a callable, got {selector!r}")
    if isinstance(selector, str):
        if isinstance(raw, Mapping):
            if selector not in raw:
                raise ModelOutputError(f"output={selector!r} is not a key of the model's output; "
                                       f"keys: {list(raw.keys())}")
            value = raw[selector]
        elif hasattr(raw, selector) and not isinstance(raw, torch.Tensor):
            value = getattr(raw, selector)
        else:
            raise ModelOutputError(f"output={selector!r} names a key but the model returned {_describe(raw)}")
    elif isinstance(selector, int):
        if not isinstance(raw, (tuple, list)):
            raise ModelOutputError(f"output={selector} is a tuple index but the model returned {_describe(raw)}")
        if not -len(raw) <= selector < len(raw):
            raise ModelOutputError(f"output={selector} is out of range: the model returned {len(raw)} items")
        value = raw[selector]
    elif callable(selector):
        value = selector(raw)
    else:
        raise ModelOutputError(f"output= must be a dict key, a tuple index or a callable, got "
                               f"{type(selector).__name__}")
    if not isinstance(value, torch.Tensor):
        raise ModelOutputError(f"output={selector!r} picked {_describe(value)}, not a tensor of scores")
    return value


def parse_output(text: str | None) -> OutputSelector:
    """The CLI's ``--output`` value: an integer string is a tuple index, anything else a dict key.

    Args:
        text: the flag's value, or None.

    Returns:
        None, an ``int`` or the string.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> parse_output("1"), parse_output("logits"), parse_output(None)
        (1, 'logits', None)
    """
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def autocast(device: torch.device, enabled: bool | str):
    """A :func:`torch.autocast` context for ``device`` when ``enabled`` (bfloat16 on CPU, float16 on CUDA).

    Args:
        device: the model's device.
        enabled: False gives a no-op context; True the device's default half type; "bf16"/"bfloat16" or
            "fp16"/"float16" that type.

    Returns:
        A context manager.

    Raises:
        InputError: an unknown precision name.

    Source: freqlens.

    Example:
        >>> with autocast(torch.device("cpu"), False):
        ...     pass
    """
    if not enabled:
        return contextlib.nullcontext()
    if isinstance(enabled, str):
        dtype = AMP_DTYPES.get(enabled.lower())
        if dtype is None:
            raise InputError(f"amp must be True, False, 'bf16' or 'fp16', got {enabled!r}")
        return torch.autocast(device_type=device.type, dtype=dtype)
    return torch.autocast(device_type=device.type)


#: ``amp=`` names of the autocast precisions
AMP_DTYPES = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp16": torch.float16, "float16": torch.float16}


def _floating_dtype(model: nn.Module) -> torch.dtype | None:
    """The dtype of the model's first floating parameter, else of its first floating buffer, else None."""
    for t in model.parameters():
        if t.is_floating_point():
            return t.dtype
    for t in model.buffers():
        if t.is_floating_point():
            return t.dtype
    return None


def _dtype_error(model: nn.Module, exc: RuntimeError) -> ModelOutputError | None:
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    dtype = _floating_dtype(model) or torch.float32
    words = ("not implemented for", "dtype", "Half", "BFloat16", "scalar type", "Double")
    if dtype != torch.float32 and any(w in msg for w in words):
        return ModelOutputError(f"the model runs in {dtype} and failed on {model_device(model)}: {msg}; "
                                "run it in float32 (model.float()) or pass amp=True")
    return None


def forward(model: nn.Module | Callable, images: torch.Tensor, *, output: OutputSelector = None,
            normalize: NormalizeArg = None, amp: bool = False) -> torch.Tensor:
    """One batch through the model: cast, normalise, run, select the scores. Gradients flow (for attacks).

    Args:
        model: an ``nn.Module`` (or any callable on images).
        images: (N, ...) inputs; floating ones are cast to the model's dtype and moved to its device.
        output: the ``output=`` selector (:func:`select_output`).
        normalize: a callable or (mean, std) applied right before the model.
        amp: run under :func:`torch.autocast` for the model's device.

    Returns:
        The selected scores, e.g. (N, C) logits, on the model's device and in its dtype.

    Raises:
        ModelOutputError: a bad selector, or a low-precision model failing (naming its dtype).

    Source: freqlens.

    Example:
        >>> net = nn.Linear(3, 2)
        >>> forward(net, torch.zeros(4, 3, dtype=torch.float64)).dtype
        torch.float32
    """
    if isinstance(model, nn.Module):
        dev, dt = model_device(model), _floating_dtype(model)
        x = images.to(dev, dt if dt is not None and images.is_floating_point() else images.dtype)
    else:
        dev, x = images.device, images
    if normalize is None and isinstance(model, nn.Module):
        norm = resolve_normalize(None, model)  # a timm model's pretrained_cfg mean/std, with a notice
    else:
        norm = as_normalize(normalize)
    if isinstance(norm, MeanStd) and x.ndim >= 2 and len(norm.mean) not in (1, x.shape[1]):
        raise InputError(f"normalize has {len(norm.mean)} channel values (mean/std) but the images have "
                         f"{x.shape[1]} channels; pass one mean and one std per channel")
    with autocast(dev, amp):
        try:
            raw = model(norm(x) if norm is not None else x)
        except RuntimeError as exc:
            err = _dtype_error(model, exc) if isinstance(model, nn.Module) else None
            if err is not None:
                raise err from exc
            raise
    return select_output(raw, output)


def class_logits(scores: torch.Tensor, n: int | None = None) -> torch.Tensor:
    """Scores as (N, C) class logits with C ≥ 2; a single logit z (N,) or (N, 1) becomes (0, z).

    With (0, z), ``argmax`` is 1 exactly where z > 0, softmax gives (1 − σ(z), σ(z)) and cross-entropy equals
    the binary cross-entropy with logits, so every classifier method gives the binary model's own answer.

    Args:
        scores: (N, C), (N, 1) or (N,) model outputs.
        n: the number of inputs, checked against N when given.

    Returns:
        (N, C) logits (C ≥ 2), same dtype and device.

    Raises:
        ModelOutputError: any other shape, naming it.

    Source: freqlens.

    Example:
        >>> class_logits(torch.tensor([2.0, -1.0]))
        tensor([[ 0.,  2.],
                [ 0., -1.]])
    """
    if scores.ndim == 1:
        scores = scores[:, None]
    if scores.ndim != 2 or (n is not None and scores.shape[0] != n):
        rows = f" for {n} inputs" if n is not None else ""
        raise ModelOutputError(f"model output has shape {tuple(scores.shape)}{rows}; expected (N, classes) logits "
                               "or one binary logit (N,); pass output= to pick them")
    if scores.shape[1] == 1:
        scores = torch.cat([torch.zeros_like(scores), scores], 1)
    return scores


def forward_logits(model: nn.Module | Callable, images: torch.Tensor, normalize: NormalizeArg = None, *,
                   output: OutputSelector = None, amp: bool = False) -> torch.Tensor:
    """:func:`forward` checked and shaped as (N, C ≥ 2) class logits (:func:`class_logits`).

    Args:
        model: the classifier.
        images: (N, C, H, W) inputs in the model's input space (before ``normalize``).
        normalize: a callable or (mean, std) applied right before the model.
        output: the ``output=`` selector.
        amp: run under autocast.

    Returns:
        (N, C) logits on the model's device; a single-logit binary model gives (N, 2) = (0, z).

    Raises:
        ModelOutputError: the scores are not (N, C) or (N,).

    Source: freqlens.

    Example:
        >>> forward_logits(nn.Linear(3, 1), torch.zeros(4, 3)).shape
        torch.Size([4, 2])
    """
    return class_logits(forward(model, images, output=output, normalize=normalize, amp=amp), images.shape[0])


def predicted_labels(scores: torch.Tensor) -> torch.Tensor:
    """Predicted classes from scores: argmax over C ≥ 2 columns, or ``logit > 0`` for one binary logit.

    Args:
        scores: (N, C), (N, 1) or (N,).

    Returns:
        (N,) int64 class indices.

    Raises:
        ModelOutputError: any other shape.

    Source: freqlens.

    Example:
        >>> predicted_labels(torch.tensor([0.3, -0.2, 0.0])).tolist()
        [1, 0, 0]
        >>> predicted_labels(torch.tensor([[0.1, 0.9]])).tolist()
        [1]
    """
    return class_logits(scores).argmax(1)


def batches(data, batch_size: int | None = None, labels=None) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
    """``(images, labels-or-None)`` batches from a tensor, a Dataset or a DataLoader.

    Args:
        data: a tensor (N, ...), a :class:`~torch.utils.data.Dataset` whose items are ``x`` or ``(x, y)``, a
            DataLoader (or any iterable) of ``x`` or ``(x, y)`` batches.
        batch_size: batch size for tensors and Datasets (default 1024); a DataLoader keeps its own.
        labels: (N,) labels to batch alongside a tensor ``data``.

    Returns:
        An iterator of ``(x, y)`` with ``y`` None when the data carry no labels.

    Raises:
        InputError: anything else, or labels of another length.

    Source: freqlens.

    Example:
        >>> [tuple(x.shape) for x, _ in batches(torch.zeros(5, 2), 2)]
        [(2, 2), (2, 2), (1, 2)]
    """
    bs = DEFAULT_BATCH if batch_size is None else check_integer(batch_size, "batch_size")
    if isinstance(data, torch.Tensor):
        if labels is not None:
            labels = torch.as_tensor(labels)
            check_same_length(data, labels, "images", "labels")
        for start in range(0, data.shape[0], bs):
            yield data[start:start + bs], (labels[start:start + bs] if labels is not None else None)
        return
    if isinstance(data, Dataset):  # map-style or iterable: batched (and collated) by a DataLoader
        data = DataLoader(data, batch_size=bs, shuffle=False)
    if isinstance(data, (DataLoader, Iterator)) or (hasattr(data, "__iter__") and not isinstance(data, (str, bytes))):
        for batch in data:
            if isinstance(batch, torch.Tensor):
                yield batch, None
            elif isinstance(batch, (tuple, list)) and batch and isinstance(batch[0], torch.Tensor):
                y = batch[1] if len(batch) > 1 else None
                yield batch[0], (torch.as_tensor(y) if y is not None else None)
            elif isinstance(batch, Mapping):
                from freqlens.data.inputs import IMAGE_KEYS, LABEL_KEYS

                xk = next((k for k in IMAGE_KEYS if isinstance(batch.get(k), torch.Tensor)), None)
                if xk is None:
                    raise InputError(f"a batch is a dict with keys {sorted(batch)}; expected the images under one "
                                     f"of {', '.join(IMAGE_KEYS[:4])}")
                y = next((batch[k] for k in LABEL_KEYS if k in batch), None)
                yield batch[xk], (torch.as_tensor(y) if y is not None else None)
            else:
                raise InputError(f"each batch must be images or (images, labels), got {type(batch).__name__}")
        return
    raise InputError(f"expected images as a tensor, a Dataset or a DataLoader, got {type(data).__name__}")


def predict(model: nn.Module | Callable, images, *, output: OutputSelector = None, batch_size: int | None = None,
            device: str | torch.device | None = None, dtype: torch.dtype | None = None, amp: bool = False,
            progress: bool = False, normalize: NormalizeArg = None) -> torch.Tensor:
    """The model's scores on all ``images``, batched, in eval and inference mode.

    Args:
        model: an ``nn.Module`` (any dtype, any device) or a callable.
        images: a tensor (N, ...), a Dataset or a DataLoader (labels in the batches are ignored).
        output: the ``output=`` selector (:func:`select_output`).
        batch_size: images per forward pass (default 1024; a DataLoader keeps its own).
        device: where the returned scores live (default CPU). The model runs on its own device.
        dtype: dtype of the returned scores (default float32; float64 for regression trackers).
        amp: run under :func:`torch.autocast` for the model's device.
        progress: show a progress bar over batches.
        normalize: a callable or (mean, std) applied right before the model.

    Returns:
        The selected scores (N, ...) concatenated over batches, e.g. (N, C) logits or (N,) binary logits.

    Raises:
        InputError: unusable data; ModelOutputError: unusable outputs (one line each).

    Source: freqlens.

    Example:
        >>> torch.manual_seed(0) is not None
        True
        >>> predict(nn.Linear(3, 2), torch.zeros(5, 3), batch_size=2).shape
        torch.Size([5, 2])
    """
    from tqdm.auto import tqdm

    out_dtype = torch.float32 if dtype is None else dtype
    out_dev = torch.device("cpu") if device is None else torch.device(device)
    outs = []
    ctx = eval_mode(model) if isinstance(model, nn.Module) else contextlib.nullcontext()
    total = None
    if isinstance(images, torch.Tensor):
        total = -(-images.shape[0] // (batch_size or DEFAULT_BATCH))
    with ctx, torch.inference_mode():
        for x, _ in tqdm(batches(images, batch_size), total=total, disable=not progress, desc="predict",
                         leave=False):
            scores = forward(model, x, output=output, normalize=normalize, amp=amp)
            if scores.shape[0] != x.shape[0]:
                raise ModelOutputError(f"model returned {scores.shape[0]} rows for a batch of {x.shape[0]}; "
                                       "pass output= to pick the per-sample scores")
            outs.append(scores.to(out_dev, out_dtype))
    if not outs:
        raise InputError("images are empty; nothing to predict")
    return torch.cat(outs)


def accuracy(model: nn.Module | Callable, images, labels=None, *, output: OutputSelector = None,
             batch_size: int | None = None, amp: bool = False, progress: bool = False,
             normalize: NormalizeArg = None) -> float:
    """Top-1 accuracy of a classifier: the only accuracy function in freqlens.

    Args:
        model: the classifier (any dtype, any device).
        images: a tensor (N, ...) with ``labels``, or a Dataset/DataLoader of ``(x, y)``.
        labels: (N,) integer labels of any dtype or (N, C) one-hot rows (:func:`~freqlens.validation.check_labels`);
            None when ``images`` yields labels.
        output: the ``output=`` selector.
        batch_size: images per forward pass.
        amp: run under autocast.
        progress: show a progress bar.
        normalize: a callable or (mean, std) applied right before the model.

    Returns:
        The fraction in [0, 1] of images whose predicted class (argmax, or logit > 0 for one binary logit)
        equals the label.

    Raises:
        InputError: missing or bad labels, labels outside the model's classes; ModelOutputError: bad outputs.

    Source: freqlens.

    Example:
        >>> net = nn.Linear(2, 1, bias=False)
        >>> _ = net.weight.data.copy_(torch.tensor([[1.0, 0.0]]))
        >>> accuracy(net, torch.tensor([[1.0, 0.0], [-1.0, 0.0], [2.0, 0.0]]), torch.tensor([1, 0, 0]))
        0.6666666666666666
    """
    correct, count = 0, 0
    ctx = eval_mode(model) if isinstance(model, nn.Module) else contextlib.nullcontext()
    from tqdm.auto import tqdm

    with ctx, torch.inference_mode():
        for x, y in tqdm(batches(images, batch_size, labels), disable=not progress, desc="accuracy", leave=False):
            if y is None:
                raise InputError("accuracy needs labels: pass labels= or data that yield (images, labels)")
            y = check_labels(y, n=x.shape[0])
            logits = forward_logits(model, x, normalize, output=output, amp=amp)
            check_labels_fit(logits, y)
            correct += int((logits.argmax(1).cpu() == y.cpu()).sum())
            count += x.shape[0]
    if count == 0:
        raise InputError("images are empty; accuracy is undefined")
    return correct / count


def predict_labels(model: nn.Module | Callable, images: torch.Tensor, normalize: NormalizeArg = None,
                   max_batch: int = DEFAULT_BATCH, *, output: OutputSelector = None,
                   amp: bool = False) -> torch.Tensor:
    """Predicted classes (N,) on the CPU (:func:`predicted_labels` of :func:`predict`).

    Args:
        model: the classifier.
        images: (N, C, H, W) tensor, Dataset or DataLoader.
        normalize: a callable or (mean, std).
        max_batch: images per forward pass.
        output: the ``output=`` selector.
        amp: run under autocast.

    Returns:
        (N,) int64 predicted classes.

    Raises:
        ModelOutputError: scores that are not (N, C) or (N,).

    Source: freqlens.

    Example:
        >>> predict_labels(nn.Linear(3, 4), torch.zeros(2, 3)).shape
        torch.Size([2])
    """
    return predicted_labels(predict(model, images, output=output, batch_size=max_batch, amp=amp,
                                    normalize=normalize))


def gather(data, labels=None, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(images, labels)`` on the CPU from tensors, a Dataset or a DataLoader; labels become (N,) int64.

    Args:
        data: images (N, C, H, W) as a tensor/array, or a Dataset/DataLoader/iterable of ``(x, y)``.
        labels: (N,) labels of any integer dtype or (N, C) one-hot, required with tensor images.
        limit: keep the first ``limit`` samples.

    Returns:
        images (N, C, H, W) and labels (N,) int64, both on the CPU.

    Raises:
        InputError: missing labels, empty data, bad labels.

    Source: freqlens.

    Example:
        >>> x, y = gather(torch.zeros(3, 1, 2, 2), torch.tensor([[1, 0], [0, 1], [1, 0]]))
        >>> y.tolist()
        [0, 1, 0]
    """
    from freqlens.data.inputs import coerce_image_tensor
    from freqlens.validation import as_tensor

    if labels is None and isinstance(data, (tuple, list)) and len(data) == 2 and all(
            isinstance(t, (torch.Tensor, np.ndarray)) for t in data):  # (images, labels) as one pair
        data, labels = data
    if isinstance(data, torch.Tensor) or labels is not None or not (hasattr(data, "__iter__")
                                                                     or isinstance(data, Dataset)):
        if not isinstance(data, torch.Tensor) and not hasattr(data, "__array__") and not isinstance(data, Sequence):
            raise InputError(f"expected image tensors, a Dataset or a DataLoader, got {type(data).__name__}")
        if labels is None:
            raise InputError("labels are required when images are given as a tensor")
        x = as_tensor(data, "images")
        y = check_labels(labels)
    else:
        xs, ys, n = [], [], 0
        for xb, yb in batches(data):
            if yb is None:
                raise InputError("each batch of the data must be (images, labels)")
            xs.append(xb.cpu())
            ys.append(check_labels(yb).cpu())
            n += xb.shape[0]
            if limit is not None and n >= limit:
                break
        if not xs:
            raise InputError("the data loader yielded no batches")
        x, y = torch.cat(xs), torch.cat(ys)
    if limit is not None:
        x, y = x[:limit], y[:limit]
    return coerce_image_tensor(x), y  # uint8 → [0, 1] with a notice; channels-last refused with the fix


class ClassifierView(nn.Module):
    """A model seen as a plain classifier: ``x → (N, C ≥ 2)`` logits, for code that calls ``model(x)`` directly.

    Applies ``normalize``, the ``output=`` selector, autocast and the single-logit rule of :func:`class_logits`
    around the wrapped model; gradients flow, so attacks can use it. Its parameters are the wrapped model's.

    Args:
        model: the user's model.
        output: the ``output=`` selector.
        normalize: a callable or (mean, std) applied right before the model.
        amp: run under :func:`torch.autocast`.

    Attributes:
        model, output, amp, normalize: as given (``normalize`` resolved to a callable or None). Calling the
        view maps x to (N, C ≥ 2) logits.

    Raises:
        ModelOutputError: on a call, when the selected output is not (N, classes) logits (see
            :func:`class_logits`).

    Source: freqlens.

    Example:
        >>> class Net(nn.Module):
        ...     def forward(self, x):
        ...         return {"scores": x[:, :3]}
        >>> ClassifierView(Net(), output="scores")(torch.zeros(2, 5)).shape
        torch.Size([2, 3])
    """

    def __init__(self, model: nn.Module, output: OutputSelector = None, normalize: NormalizeArg = None,
                 amp: bool = False):
        super().__init__()
        self.model = model
        self.output, self.amp = output, amp
        self.normalize = as_normalize(normalize)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return forward_logits(self.model, x, self.normalize, output=self.output, amp=self.amp)


def as_classifier(model: nn.Module, output: OutputSelector = None, normalize: NormalizeArg = None,
                  amp: bool = False) -> nn.Module:
    """``model`` itself when nothing needs adapting, else a :class:`ClassifierView` around it.

    Args:
        model: the user's model.
        output: the ``output=`` selector.
        normalize: a callable or (mean, std) pair.
        amp: run under autocast.

    Returns:
        An ``nn.Module`` mapping images to (N, C) logits.

    Raises:
        InputError: a bad ``normalize``.

    Source: freqlens.

    Example:
        >>> net = nn.Linear(3, 2)
        >>> as_classifier(net) is net
        True
    """
    if output is None and normalize is None and not amp:
        return model
    return ClassifierView(model, output=output, normalize=normalize, amp=amp)


def check_model_takes_images(model: nn.Module | Callable, images: torch.Tensor, labels: torch.Tensor | None = None,
                             normalize: NormalizeArg = None, output: OutputSelector = None,
                             amp: bool | str = False) -> torch.Tensor:
    """Run ``model`` on ``images`` (a probe's first few) and turn a failure into one line, so a probe or command
    stops before its batched loop or its output folder; with ``labels``, also check that they fit the logits.

    Args:
        model: the classifier (any callable returning logits (N, classes), or an output picked by ``output``).
        images: (n, C, H, W) images on the model's device, in the space ``normalize`` expects.
        labels: (n,) class indices to check against the logits' classes (None: not checked).
        normalize: applied right before the model.
        output: the ``output=`` selector.
        amp: autocast as the probe would.

    Returns:
        The logits (n, classes) (so a caller can reuse them, e.g. as its first clean predictions).

    Raises:
        InputError: the model raises on images of this shape ("the model cannot take images of shape …").
        ModelOutputError: no usable logits, or a label beyond the model's classes.

    Source: freqlens.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
        >>> check_model_takes_images(net, torch.rand(2, 2, 4, 4)).shape
        torch.Size([2, 3])
        >>> try:
        ...     check_model_takes_images(net, torch.rand(2, 1, 4, 4))
        ... except InputError as e:
        ...     print(str(e)[:55])
        the model cannot take images of shape (1, 4, 4) (channe
    """
    from freqlens.errors import FreqlensError

    try:
        logits = forward_logits(model, images, normalize, output=output, amp=amp)
    except FreqlensError:
        raise
    except (RuntimeError, ValueError) as exc:
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(f"the model cannot take images of shape {tuple(images.shape[1:])} (channels, H, W): "
                         f"{why}") from exc
    if labels is not None:
        check_labels_fit(logits, labels)
    return logits
