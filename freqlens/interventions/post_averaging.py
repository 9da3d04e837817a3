"""Post-averaging (band-limiting) defense of Lin, Kasra Ahmadi, Jiang (arXiv 1905.12797).

:class:`PostAveraged` wraps any classifier and returns the **average of the softmax** over the input and the
points ``x ± c·r·v_k`` (K unit directions ``v_k`` spanning the whole C×H×W tensor, scales ``c`` ∈ (1/3, 2/3, 1)):
``1 + 2·K·len(scales)`` forward passes per image (91 for K = 15). Averaging over a ball is a low-pass filter of
the network function (see :mod:`freqlens.fourier.ball_average` for its Bessel-function transfer function).

**Which space the radius lives in.** The official code measures ``r`` in the model's *normalised* input space
(after ``(x − mean)/std``): r = 6 on CIFAR-10, r = 30 on ImageNet. freqlens models take images in [0, 1] with
the normalisation inside, so with ``radius_space="normalized"`` (default) a unit direction ``v`` is drawn in
normalised space and the wrapper adds ``λ·std⊙v`` to the [0, 1] image — exactly the paper's perturbation. The
``std`` is read from a leading :class:`freqlens.models.Normalize` of the model or given as ``input_std``. With
``radius_space="input"`` the radius is in the units of the tensor you pass (pixel units for [0, 1] images).
Conversion: ``r_pixel ≈ r_normalized · rms(std)`` (:func:`normalized_to_pixel_radius`); e.g. r = 6 with the
CIFAR-10 std (rms 0.250) is ≈ 1.5 in [0, 1] pixel L2 units, a per-coordinate RMS of ≈ 7/255.

Its evaluation (the paper's defense-unaware protocol next to an adaptive EOT attacker, and the radius trade-off)
lives in :mod:`freqlens.probes.defense`.

Example::

    >>> model = nn.Sequential(Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25)), nn.Flatten(), nn.Linear(12, 4))
    >>> defended = PostAveraged(model, radius=6.0).eval()      # model takes [0, 1] images, Normalize inside
    >>> probs = defended(torch.rand(2, 3, 2, 2))               # (N, classes) averaged softmax, rows sum to 1
    >>> probs.shape
    torch.Size([2, 4])
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.device import eval_mode, model_device
from freqlens.errors import ConfigError, InputError, ModelOutputError
from freqlens.inference import OutputSelector, forward_logits
from freqlens.models.wrappers import Normalize
from freqlens.validation import check_images, check_integer, check_positive

DEFAULT_SCALES: tuple[float, ...] = (1 / 3, 2 / 3, 1.0)
#: directions are drawn for fixed blocks of this many images, so they do not depend on ``max_batch``
DIRECTION_BLOCK = 32
LINF_BUDGET = 8 / 255


# ----------------------------------------------------------------------------------------------- radius units
def _std_tensor(std) -> torch.Tensor:
    t = torch.as_tensor(std, dtype=torch.float64).flatten()
    if t.numel() == 0 or not bool(torch.isfinite(t).all()) or bool((t <= 0).any()):
        raise InputError(f"input_std must be positive finite numbers (one per channel), got {std!r}")
    return t


def normalized_to_pixel_radius(radius: float, std: Sequence[float]) -> float:
    """L2 radius in input units (e.g. [0, 1] pixels) of a radius in normalised units: ``r · rms(std)``.

    Exact in expectation over random directions (``E‖std⊙v‖² = mean(std²)`` for v uniform on the sphere).

    Args:
        radius: r in normalised units ((x − mean)/std).
        std: per-channel std of the model's normalisation.

    Returns:
        The radius in input units.

    Raises:
        InputError: ``std`` is empty, not finite or not positive.

    Source:
        freqlens (conversion for Lin et al. 2019's radius, given in normalised units).

    Example:
        >>> from freqlens.data.vision import CIFAR10_STD
        >>> round(normalized_to_pixel_radius(6, CIFAR10_STD), 2)
        1.5
    """
    return float(radius) * float(_std_tensor(std).pow(2).mean().sqrt())


def pixel_to_normalized_radius(radius_pixel: float, std: Sequence[float]) -> float:
    """Inverse of :func:`normalized_to_pixel_radius`: ``r_pixel / rms(std)``.

    Args:
        radius_pixel: radius in input units.
        std: per-channel std of the model's normalisation.

    Returns:
        The radius in normalised units.

    Raises:
        InputError: ``std`` is empty, not finite or not positive.

    Source:
        freqlens.

    Example:
        >>> from freqlens.data.vision import CIFAR10_STD
        >>> round(pixel_to_normalized_radius(1.1, CIFAR10_STD), 1)
        4.4
    """
    return float(radius_pixel) / float(_std_tensor(std).pow(2).mean().sqrt())


def find_input_std(model: nn.Module) -> torch.Tensor | None:
    """The per-channel std of the model's normalisation: from a leading :class:`~freqlens.models.Normalize` (or an input
    transform with a mean/std), else from the model's input configuration (e.g. timm's ``pretrained_cfg``), else None.

    Args:
        model: any ``nn.Module``; nested leading ``nn.Sequential`` containers are entered.

    Returns:
        (C,) float64 tensor, or None when the model declares no normalisation.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> model = nn.Sequential(Normalize((0.5, 0.5, 0.5), (0.25, 0.5, 1.0)), nn.Flatten())
        >>> find_input_std(model).tolist(), find_input_std(nn.Flatten())
        ([0.25, 0.5, 1.0], None)
    """
    first = model
    while isinstance(first, nn.Sequential) and len(first) > 0:
        first = first[0]
    from freqlens.models.wrappers import InputTransform
    from freqlens.normalization import MeanStd, model_input_config

    if isinstance(first, InputTransform) and isinstance(first.transform, MeanStd):
        return torch.as_tensor(first.transform.std, dtype=torch.float64).flatten()
    if isinstance(first, Normalize):
        return first.std.detach().flatten().cpu().double()
    cfg = model_input_config(model)
    if cfg and "std" in cfg:
        return torch.as_tensor(cfg["std"], dtype=torch.float64).flatten()
    return None


def last_linear(model: nn.Module) -> nn.Linear | None:
    """The model's last ``nn.Linear`` in module order (the logit layer used by ``mode="approx"``), or None.

    Args:
        model: any ``nn.Module``.

    Returns:
        The ``nn.Linear``, or None when the model has none.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> last_linear(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))).out_features, last_linear(nn.ReLU())
        (3, None)
    """
    last = None
    for m in model.modules():
        if isinstance(m, nn.Linear):
            last = m
    return last


# --------------------------------------------------------------------------------------------- the wrapper
class PostAveraged(nn.Module):
    """``f_C(x)``: the model's softmax averaged over ``x`` and ``x ± c·r·v_k`` (Lin et al. 2019, the sampling
    estimator of its code), as an ``nn.Module``.

    Args:
        model: classifier returning logits (N, classes); it receives the perturbed tensors (e.g. [0, 1] images).
        radius: r > 0, in ``radius_space`` units (default: the model's normalised input space, as in the paper).
        n_directions: K ≥ 1 directions per image; each is reused for all scales and both signs.
        scales: multiples of r (default (1/3, 2/3, 1)).
        mode: ``"random"`` (unit Gaussian directions, fresh at every call) or ``"approx"`` (unit input gradients of
            the K logit-layer units with the smallest ``|y_i|/‖W_i‖``; needs an ``nn.Linear`` logit layer, K ≤ classes).
        seed: seeds the wrapper's own ``torch.Generator``; two wrappers with the same seed produce the same
            directions and outputs call after call (the generator advances, so repeated calls draw fresh
            directions, like the paper's randomised defense). :meth:`reseed` restarts the sequence.
        max_batch: most samples (not images) per forward pass; the 1 + 2·K·len(scales) points of many images are
            stacked into batches of this size. Default (None): the largest that fits ``memory_budget``, then the
            fastest of a few sizes timed on the first forward passes (:class:`freqlens.batching.BatchTuner`; on a
            CPU large batches run slower per image, cache effects). Halved on CUDA out-of-memory. The outputs do
            not depend on it (directions are drawn per block of images).
        radius_space: ``"normalized"`` (v unit in normalised space, step ``λ·std⊙v``) or ``"input"`` (step ``λ·v``).
        input_std: per-channel std of the model's normalisation (default: read from a leading ``Normalize``).
        bounds: the valid range of inputs (checked; ``None`` disables the check).
        clip: clip the sampled points to ``bounds`` (default False: the paper does not clip).
        sampling: ``"paper"`` (the estimator above) or ``"ball"`` (the same number of points, i.i.d. uniform in the
            ball — a Monte-Carlo estimate of the exact ball average; random mode only).
        include_original: put ``x`` itself among the points (paper: yes, first).
        normalize: as for every probe — a callable, ``(mean, std)``, or ``None`` (the model's timm
            ``pretrained_cfg`` when it has one); applied inside, after the averaging points are drawn in input
            space; with ``(mean, std)`` its std also sets ``input_std``.
        output: picks the class scores from the model's output (a dict key, a tuple index or a callable;
            :func:`freqlens.inference.select_output`); a single binary logit z counts as the logits (0, z).
        amp: run the model under :func:`torch.autocast` (True, "bf16", "fp16"). Tolerance: on a fixed trained
            model, bf16 accuracies of the averaged model agree with float32 within 1 percentage point (tested).
        memory_budget: bytes (or "2G") one forward batch may use (with ``max_batch=None``).
        channels_last: run the model with channels-last weights and inputs during each inference call (no
            gradients); the model's own tensors are restored after every call. Under autograd (adaptive
            attacks) the weights are left as they are.
        compile: call the model through ``torch.compile`` (eager fallback with a notice when it fails).

    Shapes: input (N, C, H, W) → output (N, classes), rows sum to 1. Differentiable (for adaptive attacks);
    call ``.eval()`` first and wrap inference in ``torch.inference_mode()`` for speed.

    Attributes:
        model, radius, n_directions, scales, mode, seed, max_batch, radius_space, input_std, bounds, clip, sampling,
        include_original: the settings; ``n_samples`` (forward passes per image) and ``radius_pixel`` (the radius
        in input units) are derived.

    Raises:
        InputError: ``model`` is not an ``nn.Module``, a non-positive radius, bad scales or bounds, K larger than the
            logit layer in approx mode; at call time images of the wrong shape or outside ``bounds``.
        ConfigError: an unknown mode, sampling or radius space; ``sampling="ball"`` with approx mode; approx mode
            without an ``nn.Linear``; a normalised radius without a known std.

    Source:
        Lin, Kasra Ahmadi and Jiang 2019 (arXiv 1905.12797), post-averaging and the sampling estimator of its code.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> model = nn.Sequential(Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25)), nn.Flatten(), nn.Linear(12, 4))
        >>> defended = PostAveraged(model, radius=6.0, n_directions=15, seed=0).eval()
        >>> with torch.inference_mode():
        ...     probs = defended(torch.rand(2, 3, 2, 2))
        >>> probs.shape, torch.allclose(probs.sum(1), torch.ones(2)), defended.n_samples, defended.radius_pixel
        (torch.Size([2, 4]), True, 91, 1.5)
    """

    def __init__(self, model: nn.Module, radius: float, n_directions: int = 15,
                 scales: Sequence[float] = DEFAULT_SCALES, mode: str = "random", seed: int = 0,
                 max_batch: int | None = None,
                 radius_space: str = "normalized", input_std: Sequence[float] | None = None,
                 bounds: tuple[float, float] | None = (0.0, 1.0), clip: bool = False, sampling: str = "paper",
                 include_original: bool = True, output: OutputSelector = None, amp: bool | str = False, normalize=None,
                 memory_budget: str | int | None = None, channels_last: bool = False, compile: bool = False):
        super().__init__()
        self.outputs_probabilities = True        # probes that need logits (a loss) take the log of the output
        self.output, self.amp = output, (amp if isinstance(amp, str) else bool(amp))
        self.memory_budget, self.channels_last, self.compile = memory_budget, bool(channels_last), bool(compile)
        self._tuner = None
        self._compiled = None
        if not isinstance(model, nn.Module):
            raise InputError(f"model must be an nn.Module, got {type(model).__name__}")
        from freqlens.models.wrappers import with_input_transform

        model = with_input_transform(model, normalize)  # (mean, std), a callable, or the model's pretrained_cfg
        r = check_positive(radius, "radius")
        check_integer(n_directions, "n_directions")
        scales = tuple(float(c) for c in scales)
        if not scales or any(not math.isfinite(c) or c <= 0 for c in scales):
            raise InputError(f"scales must be a non-empty list of numbers > 0, got {scales!r}")
        if mode not in ("random", "approx"):
            raise ConfigError(f"mode must be 'random' or 'approx', got {mode!r}")
        if sampling not in ("paper", "ball"):
            raise ConfigError(f"sampling must be 'paper' or 'ball', got {sampling!r}")
        if sampling == "ball" and mode != "random":
            raise ConfigError("sampling='ball' draws uniform points in the ball and needs mode='random'")
        if radius_space not in ("normalized", "input"):
            raise ConfigError(f"radius_space must be 'normalized' or 'input', got {radius_space!r}")
        if max_batch is not None:
            check_integer(max_batch, "max_batch")
        if bounds is not None and not bounds[0] < bounds[1]:
            raise InputError(f"bounds must be (low, high) with low < high, got {bounds!r}")
        std = None
        if radius_space == "normalized":
            std = _std_tensor(input_std) if input_std is not None else find_input_std(model)
            if std is None:
                raise ConfigError("radius_space='normalized' needs the model's normalisation std: pass input_std=(...) "
                                  "or use radius_space='input' for a radius in the units of the input tensor")
        self.model = model
        self.radius = r
        self.n_directions = int(n_directions)
        self.scales = scales
        self.mode = mode
        self.seed = int(seed)
        self.max_batch = None if max_batch is None else int(max_batch)
        self.radius_space = radius_space
        self.input_std = std
        self.bounds = tuple(bounds) if bounds is not None else None
        self.clip = bool(clip)
        self.sampling = sampling
        self.include_original = bool(include_original)
        self._generator: torch.Generator | None = None
        self._logit_layer = None
        if mode == "approx":
            self._logit_layer = last_linear(model)
            if self._logit_layer is None:
                raise ConfigError("mode='approx' ranks the units of the logit layer and needs an nn.Linear in the "
                                  "model")
            if self.n_directions > self._logit_layer.out_features:
                raise InputError(f"mode='approx' uses logit-layer units: n_directions must be ≤ "
                                 f"{self._logit_layer.out_features}, got {self.n_directions}")

    # ------------------------------------------------------------------------------------------ properties
    @property
    def n_samples(self) -> int:
        """Forward passes per image: ``include_original + 2·K·len(scales)`` (91 by default)."""
        return int(self.include_original) + 2 * self.n_directions * len(self.scales)

    @property
    def radius_pixel(self) -> float:
        """The radius in the units of the input tensor (L2; in expectation over directions for normalised space)."""
        if self.input_std is None:
            return self.radius
        return normalized_to_pixel_radius(self.radius, self.input_std)

    def extra_repr(self) -> str:
        return (f"radius={self.radius:g} ({self.radius_space}), n_directions={self.n_directions}, "
                f"scales={self.scales}, mode={self.mode}, sampling={self.sampling}, samples={self.n_samples}")

    def variant(self, seed: int, n_directions: int | None = None) -> PostAveraged:
        """A new wrapper of the same model with every setting of this one but its own ``seed`` (and, if given,
        ``n_directions``): e.g. an attacker's copy of the defense, drawing its own directions."""
        return PostAveraged(self.model, self.radius,
                            n_directions=self.n_directions if n_directions is None else n_directions,
                            scales=self.scales, mode=self.mode, seed=seed, max_batch=self.max_batch,
                            radius_space=self.radius_space,
                            input_std=None if self.input_std is None else self.input_std.tolist(),
                            bounds=self.bounds, clip=self.clip, sampling=self.sampling,
                            include_original=self.include_original, output=self.output, amp=self.amp,
                            memory_budget=self.memory_budget, channels_last=self.channels_last,
                            compile=self.compile).train(self.training)

    def reseed(self, seed: int | None = None) -> PostAveraged:
        """Restart the direction sequence from ``seed`` (default: the constructor's seed)."""
        if seed is not None:
            self.seed = int(seed)
        self._generator = None
        return self

    def _gen(self, device: torch.device) -> torch.Generator:
        if self._generator is None or self._generator.device != torch.device(device):
            # first call, or the model moved to another device: the sequence (re)starts from the seed there
            self._generator = torch.Generator(device=device).manual_seed(self.seed)
        return self._generator

    # ---------------------------------------------------------------------------------------- sampling
    def _lambdas(self, device, dtype) -> torch.Tensor:
        """Signed step lengths per direction, ordered (+c₁, −c₁, +c₂, −c₂, …)·r, shape (2·len(scales),)."""
        return torch.tensor([sgn * c * self.radius for c in self.scales for sgn in (1.0, -1.0)], device=device,
                            dtype=dtype)

    def _std_view(self, x: torch.Tensor) -> torch.Tensor | None:
        if self.input_std is None:
            return None
        std = self.input_std.to(device=x.device, dtype=x.dtype)
        if std.numel() not in (1, x.shape[1]):
            raise InputError(f"input_std has {std.numel()} values but the images have {x.shape[1]} channels")
        return std.view(1, -1, 1, 1)

    def _random_block(self, b: int, shape: tuple[int, ...], device, dtype) -> torch.Tensor:
        """Random draws for b images (one block): unit directions (b, K, C, H, W) for the paper's scheme, or
        ball offsets (b, S, C, H, W) (radius included) for ``sampling="ball"``."""
        gen = self._gen(device)
        d = int(np.prod(shape))
        if self.sampling == "paper":
            g = torch.randn(b, self.n_directions, d, generator=gen, device=device, dtype=dtype)
            return (g / g.norm(dim=2, keepdim=True).clamp_min(1e-12)).view(b, self.n_directions, *shape)
        m = self.n_samples
        g = torch.randn(b, m, d, generator=gen, device=device, dtype=dtype)
        u = torch.rand(b, m, 1, generator=gen, device=device, dtype=dtype) ** (1.0 / d)
        return (g / g.norm(dim=2, keepdim=True).clamp_min(1e-12) * u * self.radius).view(b, m, *shape)

    def _approx_directions(self, x: torch.Tensor, std: torch.Tensor | None) -> torch.Tensor:
        """Unit directions (b, K, C, H, W) (normalised space): the input gradients of the K logit units nearest to their
        hyperplanes (the logit layer's hyperplanes, Li et al. 2018, Section 3.2)."""
        layer = self._logit_layer
        captured = {}

        def hook(_m, _inp, out):
            captured["y"] = out

        with torch.inference_mode(False), torch.enable_grad():
            xg = x.detach().clone().requires_grad_(True)
            handle = layer.register_forward_hook(hook)
            try:
                self.model(xg)
            finally:
                handle.remove()
            y = captured["y"]
            if y.ndim != 2:
                raise ModelOutputError(f"the logit layer's output has shape {tuple(y.shape)}; expected (N, units)")
            dist = y.detach().abs() / layer.weight.detach().norm(dim=1).clamp_min(1e-12)[None, :]
            idx = dist.argsort(dim=1)[:, :self.n_directions]                    # (b, K)
            dirs = []
            for k in range(self.n_directions):                                 # K backward passes for the batch
                sel = y.gather(1, idx[:, k:k + 1]).abs().sum()
                (grad,) = torch.autograd.grad(sel, xg, retain_graph=k < self.n_directions - 1)
                dirs.append(grad.detach())
        g = torch.stack(dirs, 1)                                                # (b, K, C, H, W) d/d(input)
        if std is not None:
            g = g * std.unsqueeze(1)                                           # chain rule: d/d(normalised input)
        return g / g.flatten(2).norm(dim=2).clamp_min(1e-12)[:, :, None, None, None]

    def _draws(self, x: torch.Tensor) -> torch.Tensor:
        """The random (or approx) draws of a group of images starting at a multiple of DIRECTION_BLOCK: unit
        directions (b, K, C, H, W), or ball offsets (b, S, C, H, W); drawn block by block, so they do not
        depend on how many images a group holds."""
        if self.mode == "approx":
            return self._approx_directions(x, self._std_view(x))
        return torch.cat([self._random_block(min(DIRECTION_BLOCK, x.shape[0] - s), tuple(x.shape[1:]), x.device,
                                             x.dtype) for s in range(0, x.shape[0], DIRECTION_BLOCK)])

    def _expand(self, x: torch.Tensor, draws: torch.Tensor) -> torch.Tensor:
        """Sample points (m, S, C, H, W) of m images from their draws (original first, then per direction
        +c₁r, −c₁r, +c₂r, … ; unit directions live in normalised space, so the step is λ·std⊙v)."""
        std = self._std_view(x)
        if self.sampling == "paper":
            lam = self._lambdas(x.device, x.dtype)
            off = draws.unsqueeze(2) * lam.view(1, 1, -1, *([1] * (x.ndim - 1)))   # (m, K, 2L, C, H, W)
            off = off.reshape(x.shape[0], -1, *x.shape[1:])
        else:
            off = draws
        if std is not None:
            off = off * std.unsqueeze(1)
        pts = x.unsqueeze(1) + off
        if self.include_original and self.sampling == "paper":
            pts = torch.cat([x.unsqueeze(1), pts], dim=1)
        if self.clip and self.bounds is not None:
            pts = pts.clamp(*self.bounds)
        return pts

    def _iterate(self, x: torch.Tensor):
        """Yield (points (m, S, C, H, W), m) for sub-groups of m images whose m·S points fit one forward batch
        (cache-friendly on CPU); draws are made per group of whole direction blocks."""
        per_pass = max(1, self._batch(x) // self.n_samples)
        per_group = max(DIRECTION_BLOCK, per_pass // DIRECTION_BLOCK * DIRECTION_BLOCK)
        for g0 in range(0, x.shape[0], per_group):
            xg = x[g0:g0 + per_group]
            draws = self._draws(xg)
            for s in range(0, xg.shape[0], per_pass):
                yield self._expand(xg[s:s + per_pass], draws[s:s + per_pass]), min(per_pass, xg.shape[0] - s)

    def _check_input(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor):
            raise InputError(f"expected a tensor of images (N, C, H, W), got {type(x).__name__}")
        check_images(x.detach(), None, self.bounds)

    def sample_points(self, x: torch.Tensor) -> torch.Tensor:
        """Every point the wrapper would evaluate: (N, S, C, H, W), S = :attr:`n_samples`; the original first.

        Draws from the generator exactly as :meth:`forward` does (same seed → same points as a forward call).
        """
        self._check_input(x)
        dev = model_device(self.model)
        x = x.to(dev)
        return torch.cat([pts for pts, _ in self._iterate(x)])

    def _batch(self, x: torch.Tensor | None = None) -> int:
        """Points per forward pass: ``max_batch``, else the tuner's current size (created on first use from the
        memory budget and one sample point ``x[:1]``)."""
        if self.max_batch is not None:
            return self.max_batch
        if self._tuner is None:
            from freqlens.batching import MAX_DEFAULT_BATCH, BatchTuner, default_max_batch

            dev = model_device(self.model)
            if x is None:
                limit = MAX_DEFAULT_BATCH.get(dev.type, 1024) // 4
            else:
                with torch.inference_mode():
                    limit = default_max_batch(self.model, x[:1].detach().to(dev), self.memory_budget,
                                              run=lambda t: forward_logits(self.model, t, output=self.output,
                                                                           amp=self.amp))
            self._tuner = BatchTuner(limit, floor=32)
        return self._tuner.size()

    def _net(self) -> nn.Module:
        if not self.compile:
            return self.model
        if self._compiled is None:
            from freqlens.acceleration import CompiledModel

            object.__setattr__(self, "_compiled", CompiledModel(self.model))
        return self._compiled

    def _model_probs(self, pts: torch.Tensor, n_images: int) -> torch.Tensor:
        from freqlens.acceleration import as_input_format
        from freqlens.batching import halve_on_oom, timed

        net = self._net()
        outs = []

        def step(b: int, s: int) -> torch.Tensor:
            chunk = as_input_format(pts[s:s + b], self.channels_last)
            out = forward_logits(net, chunk, output=self.output, amp=self.amp)
            return torch.softmax(out.float() if out.dtype in (torch.float16, torch.bfloat16) else out, dim=1)

        s = 0
        while s < pts.shape[0]:
            size = self._batch(pts)
            tuning = self._tuner is not None and self._tuner.tuning
            (probs, used), secs = timed(lambda s=s, size=size: halve_on_oom(
                lambda b: step(b, s), size, self._tuner.shrink if self._tuner is not None else None))
            if tuning and used == size:
                self._tuner.record(size, probs.shape[0], secs)
            outs.append(probs)
            s += probs.shape[0]
        return torch.cat(outs).view(n_images, -1, outs[0].shape[1]).mean(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Averaged softmax (N, classes) of images (N, C, H, W) inside ``bounds``."""
        import contextlib

        from freqlens.acceleration import channels_last_weights

        self._check_input(x)
        dev = model_device(self.model)
        x = x.to(dev)
        fast = self.channels_last and not torch.is_grad_enabled()
        with channels_last_weights(self.model) if fast else contextlib.nullcontext():
            probs = [self._model_probs(pts.reshape(-1, *x.shape[1:]), m) for pts, m in self._iterate(x)]
        return torch.cat(probs)


def averaged_predictions(defended: PostAveraged, images: torch.Tensor, progress: bool = False,
                         chunk_images: int = 256) -> torch.Tensor:
    """Predicted classes (N,) on the CPU of the post-averaged model, in eval and inference mode.

    Args:
        defended: the :class:`PostAveraged` wrapper (its ``max_batch``, ``amp``, ``channels_last`` and
            ``compile`` apply).
        images: (N, C, H, W) inside ``defended.bounds``.
        progress: a progress bar, and the forward-pass count (N · ``n_samples``) with an ETA after the first
            chunk.
        chunk_images: images per call of the wrapper.

    Returns:
        (N,) int64 classes of the averaged softmax.

    Raises:
        InputError: images outside ``bounds`` or of the wrong shape.

    Source: Lin, Kasra Ahmadi, Jiang 2019, Sec. 3 (post-averaging prediction).

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
        >>> averaged_predictions(PostAveraged(net, 0.5, n_directions=2, radius_space="input"),
        ...                      torch.rand(5, 1, 2, 2)).shape
        torch.Size([5])
    """
    from freqlens.batching import RunAnnouncer, timed

    check_integer(chunk_images, "chunk_images")
    preds = []
    announcer = RunAnnouncer("post-averaged inference", images.shape[0] * defended.n_samples, enabled=progress)
    with eval_mode(defended), torch.inference_mode():
        for s in tqdm(range(0, images.shape[0], chunk_images), disable=not progress, desc="post-averaged inference",
                      leave=False):
            probs, secs = timed(lambda s=s: defended(images[s:s + chunk_images]))
            preds.append(probs.argmax(1).cpu())
            announcer.record(probs.shape[0] * defended.n_samples, secs)
    return torch.cat(preds)
