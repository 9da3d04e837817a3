"""Low- vs high-frequency components (Wang et al., CVPR 2020): how well a model classifies the LFC and the
HFC of images, by radius, and which images it classifies by their HFC alone.

The decomposition is :func:`freqlens.fourier.filters.lfc_hfc_split` (per channel, disk of radius r around DC,
strict ``<``). Radii are in cycles per image; on non-square images the disk is measured in index units per
axis around the DC term, i.e. the centred construction with centre (H//2, W//2) (the paper assumes square
images) — the probe accepts them, warns once and records the convention in the result.

Components are computed on the model's device, one FFT per batch shared by all radii. The paper's
evaluation rescales every component image by its own maximum (``rescale="max"``); ``"none"`` keeps the
raw components. BatchNorm models can be evaluated with running statistics (``bn_eval="running"``, standard)
or with the statistics of each homogeneous evaluation batch (``bn_eval="batch"``, as the official code).

Example::

    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, 10))
    >>> images, labels = torch.rand(8, 3, 32, 32), torch.arange(8)
    >>> res = lfc_hfc_accuracy(model, images, labels, radii=(4, 8, 12, 16), progress=False)
    >>> res.lfc_accuracy.shape, res.hfc_accuracy.shape        # (4,) each
    ((4,), (4,))
"""
from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.device import eval_mode, model_device
from freqlens.errors import InputError
from freqlens.fourier.filters import lfc_hfc_components, max_radius
from freqlens.inference import OutputSelector, check_model_takes_images, forward_logits, gather
from freqlens.normalization import NormalizeArg
from freqlens.results import Result
from freqlens.validation import (
    check_choice,
    check_images,
    check_integer,
    check_labels_fit,
    check_nonempty,
    check_positive,
)

CENTRE_CONVENTION = ("disk around DC: sqrt(f_u² + f_v²) < r with f_u, f_v in cycles per image along each axis "
                     "(centred layout: centre (H//2, W//2))")


def check_radii(radii: Sequence[float], height: int, width: int) -> list[float]:
    """The LFC/HFC radii as floats, each > 0 and at most the half-diagonal sqrt((H/2)² + (W/2)²) of the spectrum.

    Non-square sizes are allowed: a :class:`UserWarning` states the centre convention (:data:`CENTRE_CONVENTION`).

    Args:
        radii: one radius or a sequence (cycles per image).
        height, width: image size in pixels.

    Returns:
        The radii as a list of floats.

    Raises:
        InputError: an empty list, a radius ≤ 0 or beyond the half-diagonal.

    Source:
        freqlens.

    Example:
        >>> check_radii(4, 32, 32), check_radii((4, 8), 32, 32)
        ([4.0], [4.0, 8.0])
    """
    out = []
    if isinstance(radii, (int, float)):
        radii = [radii]
    radii = check_nonempty(radii, "radii", "(4, 8, 12, 16)")
    limit = max_radius(height, width)
    for r in radii:
        r = check_positive(r, "radius")
        if r > limit + 1e-9:
            raise InputError(f"radius {r} exceeds the half-diagonal {limit:.2f} of {height}×{width} images "
                             f"(the HFC would be empty); use a radius ≤ {limit:.2f}")
        out.append(r)
    if height != width:
        warnings.warn(f"non-square {height}×{width} images: LFC/HFC {CENTRE_CONVENTION}", UserWarning, stacklevel=3)
    return out


@contextlib.contextmanager
def batchnorm_mode(model: nn.Module, bn_eval: str = "running") -> Iterator[nn.Module]:
    """Context manager: the model in eval mode; with ``bn_eval="batch"`` its BatchNorm layers normalise with each
    batch's own statistics (the official HFC code) while their running statistics are left untouched. Every mode
    and buffer is restored on exit.

    Args:
        model: any ``nn.Module``.
        bn_eval: "running" (standard eval mode) or "batch".

    Returns:
        A context manager yielding ``model``.

    Raises:
        InputError: an unknown ``bn_eval``.

    Source:
        Wang et al. 2020 (CVPR), evaluation with batch statistics as in the official code.

    Example:
        >>> bn = nn.BatchNorm2d(1)
        >>> with batchnorm_mode(nn.Sequential(bn), "batch"), torch.no_grad():
        ...     out = bn(torch.arange(8.0).reshape(2, 1, 2, 2))
        >>> round(float(out.mean()), 6), bn.running_mean.item(), bn.training
        (0.0, 0.0, True)
    """
    check_choice(bn_eval, "bn_eval", ("running", "batch"))
    with eval_mode(model):
        saved = []
        if bn_eval == "batch":
            for m in model.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    saved.append((m, {k: v.clone() for k, v in m.named_buffers(recurse=False)}))
                    m.train()
        try:
            yield model
        finally:
            for m, buffers in saved:
                for k, v in buffers.items():
                    getattr(m, k).copy_(v)


def predict_components(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, radii: Sequence[float],
                       rescale: str = "max", normalize: NormalizeArg = None, max_batch: int | None = 100,
                       bn_eval: str = "running", progress: bool = False, desc: str = "LFC/HFC",
                       components: Sequence[str] = ("lfc", "hfc"), output: OutputSelector = None,
                       amp: bool | str = False, memory_budget: str | int | None = None,
                       channels_last: bool = False, compile: bool = False,
                       announce: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Which images the model classifies correctly: clean, and their low- and high-frequency components per radius.

    No argument checks (callers such as :func:`lfc_hfc_accuracy` and
    :class:`freqlens.dynamics.hfc.HFCTracker` validate once); a batched forward pass per component.

    Args:
        model: any ``nn.Module`` classifier returning logits (N, classes).
        images: (N, C, H, W) in input space; labels: (N,) int64.
        radii: R cut-off radii of the centred spectrum (frequency-index units; see :func:`check_radii`).
        rescale: rescaling of the components (see :func:`freqlens.fourier.filters.lfc_hfc_components`).
        normalize: applied right before the model.
        max_batch: images per pass; None: the largest that fits ``memory_budget``, then the fastest of a few
            sizes timed on the first chunks (:func:`freqlens.batching.run_chunked`; with ``bn_eval="batch"`` the
            batch statistics depend on it, so None means the official 100 there). Halved on CUDA out-of-memory.
        bn_eval: ``"running"`` or ``"batch"`` BatchNorm statistics (:func:`batchnorm_mode`).
        progress: progress bar; desc: its label.
        components: which of ``"lfc"``, ``"hfc"`` to evaluate (the other mask stays all False).
        output: picks the class scores from the model's output (:func:`freqlens.inference.select_output`).
        amp: run the model under :func:`torch.autocast`.
        memory_budget: bytes (or "2G") one batch may use (with ``max_batch=None``).
        channels_last, compile: :func:`freqlens.acceleration.accelerated` (the user's model is restored).
        announce: print the forward-pass count and the ETA after the first chunk.

    Returns:
        ``(clean (N,), lfc (R, N), hfc (R, N))`` bool masks on the CPU: True where the prediction equals the label.

    Raises:
        InputError: an unknown ``bn_eval``. ModelOutputError: a model output that is not (N, classes).

    Source:
        Wang, Wu, Huang, Xing, "High-frequency Component Helps Explain the Generalization of Convolutional Neural
        Networks", CVPR 2020, Sec. 3 (accuracy on the LFC and HFC of images, Eq. (1)).

    Example:
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2))
        >>> clean, lfc, hfc = predict_components(model, torch.rand(3, 1, 4, 4), torch.tensor([0, 1, 0]), [1.0])
        >>> clean.shape, lfc.shape, hfc.dtype
        (torch.Size([3]), torch.Size([1, 3]), torch.bool)
    """
    from freqlens.acceleration import accelerated, as_input_format
    from freqlens.batching import RunAnnouncer, default_max_batch, run_chunked

    dev = model_device(model)
    n, r = images.shape[0], len(radii)
    clean = torch.zeros(n, dtype=torch.bool)
    lfc_ok = torch.zeros(r, n, dtype=torch.bool)
    hfc_ok = torch.zeros(r, n, dtype=torch.bool)
    if max_batch is None and bn_eval == "batch":
        max_batch = 100   # batch statistics depend on the batch: the official code's size
    passes = 1 + r * sum(c in components for c in ("lfc", "hfc"))
    with batchnorm_mode(model, bn_eval), accelerated(model, channels_last, compile) as net, torch.inference_mode():
        def ok(xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
            logits = forward_logits(net, as_input_format(xb, channels_last), normalize, output=output, amp=amp)
            check_labels_fit(logits, yb)
            return (logits.argmax(1) == yb).cpu()

        limit = max_batch or default_max_batch(model, images[:1].to(dev), memory_budget, input_copies=4 + 2 * r,
                                               run=lambda t: forward_logits(model, t, normalize, output=output,
                                                                            amp=amp))
        bar = tqdm(total=n, desc=desc, disable=not progress, leave=False)

        def work(start: int, size: int):
            xb = images[start:start + size].to(dev)
            yb = labels[start:start + size].to(dev)
            got_clean = ok(xb, yb)
            lfc, hfc = lfc_hfc_components(xb, radii, rescale, components=components)
            got_l = torch.stack([ok(lfc[i], yb) for i in range(r)]) if "lfc" in components else None
            got_h = torch.stack([ok(hfc[i], yb) for i in range(r)]) if "hfc" in components else None
            return xb.shape[0], (got_clean, got_l, got_h)

        def commit(start: int, count: int, got) -> None:
            sl = slice(start, start + count)
            clean[sl] = got[0]
            if got[1] is not None:
                lfc_ok[:, sl] = got[1]
            if got[2] is not None:
                hfc_ok[:, sl] = got[2]
            bar.update(count)

        run_chunked(n, work, commit, limit, fixed=max_batch, passes_per_item=passes,
                    announcer=RunAnnouncer(desc, n * passes, enabled=announce))
        bar.close()
    return clean, lfc_ok, hfc_ok


@dataclass
class HFCAccuracy(Result):
    """Accuracy on clean images and on their low-frequency (LFC) and high-frequency (HFC) components per radius.

    Args:
        radii: cut-off radii r (cycles per image; the disk convention in ``convention``).
        clean_accuracy: accuracy on the images, in [0, 1].
        lfc_accuracy, hfc_accuracy: (R,) accuracies on the components.
        n_images: images evaluated.
        rescale: how the components were rescaled for the model ("none", "max", ...).
        bn_eval: BatchNorm statistics used ("eval" or "batch").
        image_size: (C, H, W) of the images.
        convention: the LFC/HFC split in words.

    Attributes:
        The arguments; :meth:`plot` draws :func:`~freqlens.plot.hfc.plot_hfc_accuracy`.

    Raises:
        Nothing of its own.

    Source:
        Wang et al. 2020 (CVPR), Sec. 3.

    Example:
        >>> import numpy as np
        >>> r = HFCAccuracy(radii=[4, 8], clean_accuracy=0.9, lfc_accuracy=np.array([0.3, 0.7]),
        ...                 hfc_accuracy=np.array([0.4, 0.2]), n_images=10, rescale="none", bn_eval="eval",
        ...                 image_size=[3, 32, 32])
        >>> r.convention.split(":")[0]
        'disk around DC'
    """

    radii: list[float]
    clean_accuracy: float
    lfc_accuracy: np.ndarray
    hfc_accuracy: np.ndarray
    n_images: int
    rescale: str
    bn_eval: str
    image_size: list[int]
    convention: str = CENTRE_CONVENTION

    def plot(self, ax=None):
        from freqlens.plot.hfc import plot_hfc_accuracy

        return plot_hfc_accuracy(self, ax=ax)


def lfc_hfc_accuracy(model: nn.Module, images, labels=None, radii: Sequence[float] = (4, 8, 12, 16),
                     rescale: str = "max", normalize: NormalizeArg = None, bn_eval: str = "running",
                     max_batch: int | None = None, limit: int | None = None, bounds=(0.0, 1.0),
                     progress: bool = True, output: OutputSelector = None, amp: bool | str = False,
                     channels_last: bool = False, compile: bool = False,
                     memory_budget: str | int | None = None) -> HFCAccuracy:
    """Accuracy of ``model`` on images (N, C, H, W) in [0, 1], on their LFC and on their HFC for each radius.

    Args:
        images, labels: tensors (N, C, H, W) and (N,), or a DataLoader of (x, y) batches.
        radii: disk radii in cycles per image (32×32 paper values 4, 8, 12, 16; scale by N/32 otherwise).
        rescale: "max" (paper) divides each component by its own maximum; "none" keeps raw components.
        bn_eval: "running" (standard) or "batch" (each evaluation batch of ``max_batch`` same-kind images
            normalises itself, as the official code with batches of 100).
        normalize: a callable or a (mean, std) pair applied right before the model.
        output: picks the class scores from the model's output (a dict key, a tuple index or a callable;
            :func:`freqlens.inference.select_output`). A single binary logit predicts class 1 where it is > 0.
        amp: run the model under :func:`torch.autocast` (True, "bf16", "fp16"). Tolerance: on a fixed trained
            model, bf16 accuracies agree with float32 within 1 percentage point (tested).
        max_batch: images per forward pass (each image costs 1 + 2·R passes); default (None): the largest that
            fits ``memory_budget``, then the fastest of a few sizes timed on the first chunks; with
            ``bn_eval="batch"`` None means 100. Halved on CUDA out-of-memory.
        memory_budget: bytes (or "2G") one batch may use; default a fraction of the free RAM / GPU memory.
        channels_last: run with channels-last weights and inputs (the user's model is restored afterwards).
        compile: call the model through ``torch.compile`` (eager fallback with a notice when it fails).
        limit: keep the first ``limit`` images. bounds: the valid input range (checked).
        progress: a progress bar, and the forward-pass count with an ETA after the first chunk.

    Returns:
        :class:`HFCAccuracy`: accuracies in [0, 1], ``lfc_accuracy`` and ``hfc_accuracy`` of shape (R,).

    Raises:
        InputError: bad images, labels, radii, ``bn_eval``, ``rescale`` or ``max_batch`` (one line).

    Source:
        Wang, Wu, Huang, Xing, "High-frequency Component Helps Explain the Generalization of Convolutional Neural
        Networks", CVPR 2020, Sec. 3 (accuracy on the LFC and HFC of images).

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2))
        >>> res = lfc_hfc_accuracy(net, torch.rand(6, 3, 8, 8), torch.tensor([0, 1] * 3), radii=(2, 4),
        ...                        progress=False)
        >>> res.lfc_accuracy.shape, res.n_images
        ((2,), 6)
    """
    x, y = gather(images, labels, limit)
    check_images(x, y, bounds)
    h, w = x.shape[-2:]
    radii = check_radii(radii, h, w)
    if max_batch is not None:
        max_batch = check_integer(max_batch, "max_batch")
    with eval_mode(model), torch.inference_mode():
        check_model_takes_images(model, x[:1].to(model_device(model)), None, normalize, output, amp)
    clean, lfc_ok, hfc_ok = predict_components(model, x, y, radii, rescale, normalize, max_batch, bn_eval,
                                               progress, "LFC/HFC accuracy", output=output, amp=amp,
                                               memory_budget=memory_budget, channels_last=channels_last,
                                               compile=compile, announce=progress)
    return HFCAccuracy(radii=radii, clean_accuracy=float(clean.float().mean()),
                       lfc_accuracy=lfc_ok.float().mean(1).numpy(), hfc_accuracy=hfc_ok.float().mean(1).numpy(),
                       n_images=int(x.shape[0]), rescale=rescale, bn_eval=bn_eval, image_size=[int(h), int(w)])


@dataclass
class HFCExamples(Result):
    """Images the model classifies correctly from the image and from its HFC but not from its LFC.

    Args:
        radius: the cut-off radius r (cycles per image).
        indices: (K,) indices into the evaluated images.
        labels: (K,) labels.
        images, lfc, hfc: (K, C, H, W) images and components.
        probs_image, probs_lfc, probs_hfc: (K, classes) softmax outputs.
        count: such images among ``n_evaluated``.
        n_evaluated: images evaluated.
        n_correct: images classified correctly.
        rescale: how the components were rescaled for the model.

    Attributes:
        The arguments; :meth:`plot` draws :func:`~freqlens.plot.hfc.plot_hfc_examples`.

    Raises:
        Nothing of its own.

    Source:
        Wang et al. 2020 (CVPR), Fig. 2.

    Example:
        >>> import numpy as np
        >>> z = np.zeros((0, 1, 4, 4))
        >>> ex = HFCExamples(radius=4.0, indices=np.zeros(0, int), labels=np.zeros(0, int), images=z, lfc=z, hfc=z,
        ...                  probs_image=np.zeros((0, 2)), probs_lfc=np.zeros((0, 2)), probs_hfc=np.zeros((0, 2)),
        ...                  count=0, n_evaluated=10, n_correct=8, rescale="none")
        >>> ex.count / ex.n_evaluated
        0.0
    """

    radius: float
    indices: np.ndarray
    labels: np.ndarray
    images: np.ndarray
    lfc: np.ndarray
    hfc: np.ndarray
    probs_image: np.ndarray
    probs_lfc: np.ndarray
    probs_hfc: np.ndarray
    count: int
    n_evaluated: int
    n_correct: int
    rescale: str

    def plot(self, ax=None, max_rows: int = 6):
        from freqlens.plot.hfc import plot_hfc_examples

        return plot_hfc_examples(self, max_rows=max_rows)


def hfc_examples(model: nn.Module, images, labels=None, radius: float = 12.0, rescale: str = "max",
                 normalize: NormalizeArg = None, max_batch: int = 100, limit: int | None = None, keep: int = 16,
                 bounds=(0.0, 1.0), progress: bool = True, output: OutputSelector = None,
                 amp: bool = False, channels_last: bool = False, compile: bool = False) -> HFCExamples:
    """Find images with pred(x) = y, pred(HFC(x)) = y and pred(LFC(x)) ≠ y at ``radius`` (keeps up to ``keep``).

    Args:
        model: the classifier.
        images: (N, C, H, W) in ``bounds``, or a DataLoader of (x, y); labels: (N,).
        radius: the cut-off radius r (cycles per image).
        rescale: "max" (each component divided by its own maximum, as the paper) or "none".
        normalize: a callable or (mean, std) applied before the model.
        max_batch: images per forward pass.
        limit: use the first ``limit`` images.
        keep: keep at most this many examples (the count is over all N).
        bounds: valid pixel range.
        progress: show a progress bar.
        output, amp: the output selector and autocast.
        channels_last, compile: :func:`freqlens.acceleration.accelerated` (the user's model is restored).

    Returns:
        :class:`HFCExamples`.

    Raises:
        InputError: images or labels of the wrong shape or outside ``bounds``; an invalid radius.

    Source:
        Wang et al. 2020 (CVPR), Fig. 2.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 3))
        >>> ex = hfc_examples(net, torch.rand(6, 3, 8, 8), torch.arange(6) % 3, radius=2, progress=False)
        >>> ex.n_evaluated, ex.images.shape[1:], ex.count == len(ex.indices)
        (6, (3, 8, 8), True)
    """
    from freqlens.acceleration import accelerated, as_input_format

    x, y = gather(images, labels, limit)
    check_images(x, y, bounds)
    (radius,) = check_radii([radius], *x.shape[-2:])
    with eval_mode(model), torch.inference_mode():
        check_model_takes_images(model, x[:1].to(model_device(model)), None, normalize, output, amp)
    dev = model_device(model)
    hits, probs = [], {"image": [], "lfc": [], "hfc": []}
    comps = {"lfc": [], "hfc": []}
    n_correct = 0
    with eval_mode(model), accelerated(model, channels_last, compile) as net, torch.inference_mode():
        for start in tqdm(range(0, x.shape[0], max_batch), desc="HFC examples", disable=not progress, leave=False):
            xb, yb = x[start:start + max_batch].to(dev), y[start:start + max_batch].to(dev)
            lfc, hfc = lfc_hfc_components(xb, [radius], rescale)
            p = {k: torch.softmax(forward_logits(net, as_input_format(v, channels_last), normalize, output=output,
                                                 amp=amp).float(), 1)
                 for k, v in (("image", xb), ("lfc", lfc[0]), ("hfc", hfc[0]))}
            check_labels_fit(p["image"], yb)
            ok = p["image"].argmax(1) == yb
            n_correct += int(ok.sum())
            sel = ok & (p["hfc"].argmax(1) == yb) & (p["lfc"].argmax(1) != yb)
            idx = torch.nonzero(sel).flatten()
            hits.append(idx.cpu() + start)
            for k in probs:
                probs[k].append(p[k][idx].cpu())
            comps["lfc"].append(lfc[0][idx].cpu())
            comps["hfc"].append(hfc[0][idx].cpu())
    indices = torch.cat(hits)
    k = min(int(keep), indices.numel())
    return HFCExamples(radius=radius, indices=indices[:k].numpy(), labels=y[indices[:k]].numpy(),
                       images=x[indices[:k]].numpy(), lfc=torch.cat(comps["lfc"])[:k].numpy(),
                       hfc=torch.cat(comps["hfc"])[:k].numpy(),
                       probs_image=torch.cat(probs["image"])[:k].numpy(), probs_lfc=torch.cat(probs["lfc"])[:k].numpy(),
                       probs_hfc=torch.cat(probs["hfc"])[:k].numpy(), count=int(indices.numel()),
                       n_evaluated=int(x.shape[0]), n_correct=n_correct, rescale=rescale)


@dataclass
class HFCExampleNull(Result):
    """The Fig. 2 count against a label-independence null.

    ``count``: images with pred(x) = y, pred(HFC) = y, pred(LFC) ≠ y; ``null_counts`` (P,): the same count after
    permuting the HFC predictions among the images (the HFC prediction no longer depends on the image's label, every
    other prediction and every label is kept); ``threshold``: the null's ``quantile``; ``excess`` = count − threshold.

    Args:
        radius: the cut-off radius r (cycles per image).
        count, null_counts, quantile, threshold, excess: as above.
        n_evaluated: images evaluated.

    Attributes:
        The arguments.

    Raises:
        Nothing of its own.

    Source:
        freqlens (a null for Wang et al. 2020's Fig. 2).

    Example:
        >>> import numpy as np
        >>> r = HFCExampleNull(radius=12.0, count=9, null_counts=np.array([2, 3, 4]), quantile=0.99, threshold=4.0,
        ...                    excess=5.0, n_evaluated=100)
        >>> r.count - r.threshold == r.excess
        True
    """

    radius: float
    count: int
    null_counts: np.ndarray
    quantile: float
    threshold: float
    excess: float
    n_evaluated: int

    def plot(self, ax=None):
        import matplotlib.pyplot as plt

        ax = ax or plt.gca()
        ax.hist(self.null_counts, bins=20, color="0.6", label="HFC predictions permuted")
        ax.axvline(self.count, color="C3", label=f"observed {self.count}")
        ax.axvline(self.threshold, color="k", ls=":", label=f"null {self.quantile:.0%} quantile")
        ax.set(xlabel=f"images classified from HFC (r={self.radius:g}) but not LFC", ylabel="permutations")
        ax.legend(fontsize=7)
        return ax


def hfc_example_null(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, radius: float = 12.0,
                     rescale: str = "max", n_permutations: int = 200, quantile: float = 0.99, seed: int = 0,
                     max_batch: int = 100, bounds=(0.0, 1.0)) -> HFCExampleNull:
    """Count the Fig. 2 images and compare with a permutation null in which the HFC predictions carry no label
    information.

    Args:
        model: classifier, (N, C, H, W) → (N, classes).
        images: (N, C, H, W) in ``bounds``; labels: (N,) int.
        radius: disk radius in cycles per image.
        rescale: "max" (paper) or "none".
        n_permutations: permutations of the HFC predictions.
        quantile: which quantile of the null is the threshold.
        seed: seeds the permutations.

    Returns:
        :class:`HFCExampleNull`; ``excess > 0`` means more Fig.-2 images than label-independent HFC predictions give.

    Raises:
        InputError: bad images/labels or radius (see :func:`lfc_hfc_accuracy`).

    Source:
        Wang et al. 2020 (CVPR), Fig. 2 selection rule; the permutation null is freqlens.

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 3))
        >>> x, y = torch.rand(20, 3, 8, 8), torch.randint(0, 3, (20,))
        >>> res = hfc_example_null(net, x, y, radius=2, n_permutations=10)
        >>> res.null_counts.shape
        (10,)
    """
    from freqlens.probes.nulls import permutation_counts

    x, y = gather(images, labels, None)
    check_images(x, y, bounds)
    (radius,) = check_radii([radius], *x.shape[-2:])
    dev = model_device(model)
    preds = {"image": [], "lfc": [], "hfc": []}
    with eval_mode(model), torch.inference_mode():
        for start in range(0, x.shape[0], max_batch):
            xb = x[start:start + max_batch].to(dev)
            lfc, hfc = lfc_hfc_components(xb, [radius], rescale)
            for k, v in (("image", xb), ("lfc", lfc[0]), ("hfc", hfc[0])):
                preds[k].append(forward_logits(model, v, None).argmax(1).cpu())
    p = {k: torch.cat(v) for k, v in preds.items()}
    base = (p["image"] == y) & (p["lfc"] != y)
    count = int((base & (p["hfc"] == y)).sum())
    null = permutation_counts(lambda perm: float((base & (p["hfc"][perm] == y)).sum()), int(y.numel()),
                              n_permutations, seed)
    thr = float(np.quantile(null, quantile))
    return HFCExampleNull(radius=radius, count=count, null_counts=null, quantile=float(quantile), threshold=thr,
                          excess=float(count - thr), n_evaluated=int(y.numel()))


__all__ = ["CENTRE_CONVENTION", "check_radii", "batchnorm_mode", "HFCAccuracy", "lfc_hfc_accuracy",
           "HFCExamples", "hfc_examples", "HFCExampleNull", "hfc_example_null"]
