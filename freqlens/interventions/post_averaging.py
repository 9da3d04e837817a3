"""Post-averaging (band-limiting) defense of Lin, Kasra Ahmadi, Jiang (arXiv 1905.12797), and its evaluation.

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

Evaluation (spec B6/B8): :func:`evaluate_paper_protocol` — the paper's defense-unaware protocol (attacks computed
on the base model, minimal perturbations, L∞ ≤ 8/255 filter, defense rate) — and :func:`evaluate_adaptive` —
PGD through the averaged model with expectation over fresh random directions at every step (EOT). The defense
does not survive the adaptive attacker; always report both.

Example::

    >>> defended = PostAveraged(model, radius=6.0).eval()      # model takes [0, 1] images, Normalize inside
    >>> probs = defended(images)                               # (N, classes) averaged softmax, rows sum to 1
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.device import eval_mode, model_device
from freqlens.errors import ConfigError, InputError, ModelOutputError
from freqlens.models.wrappers import Normalize
from freqlens.probes.common import check_images, check_labels_fit
from freqlens.results import Result

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
    """L2 radius in input (e.g. [0, 1] pixel) units of a radius in normalised units: ``r · rms(std)``.

    Exact in expectation over random directions (``E‖std⊙v‖² = mean(std²)`` for v uniform on the sphere).
    Example: ``normalized_to_pixel_radius(6, CIFAR10_STD)`` → 1.50.
    """
    return float(radius) * float(_std_tensor(std).pow(2).mean().sqrt())


def pixel_to_normalized_radius(radius_pixel: float, std: Sequence[float]) -> float:
    """Inverse of :func:`normalized_to_pixel_radius`. Example: ``pixel_to_normalized_radius(1.1, CIFAR10_STD)`` → 4.4."""
    return float(radius_pixel) / float(_std_tensor(std).pow(2).mean().sqrt())


def find_input_std(model: nn.Module) -> torch.Tensor | None:
    """The per-channel std of a :class:`~freqlens.models.Normalize` that is the model's first module, else None."""
    first = model
    while isinstance(first, nn.Sequential) and len(first) > 0:
        first = first[0]
    if isinstance(first, Normalize):
        return first.std.detach().flatten().cpu().double()
    return None


def _last_linear(model: nn.Module) -> nn.Linear | None:
    last = None
    for m in model.modules():
        if isinstance(m, nn.Linear):
            last = m
    return last


# --------------------------------------------------------------------------------------------- the wrapper
class PostAveraged(nn.Module):
    """``f_C(x)``: the model's softmax averaged over ``x`` and ``x ± c·r·v_k`` (spec B3), as an ``nn.Module``.

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
            stacked into batches of this size. Default: 192 on CPU (larger batches run slower per image there,
            cache effects), 8192 on GPU.
        radius_space: ``"normalized"`` (v unit in normalised space, step ``λ·std⊙v``) or ``"input"`` (step ``λ·v``).
        input_std: per-channel std of the model's normalisation (default: read from a leading ``Normalize``).
        bounds: the valid range of inputs (checked; ``None`` disables the check).
        clip: clip the sampled points to ``bounds`` (default False: the paper does not clip).
        sampling: ``"paper"`` (the estimator above) or ``"ball"`` (the same number of points, i.i.d. uniform in the
            ball — a Monte-Carlo estimate of the exact ball average; random mode only).
        include_original: put ``x`` itself among the points (paper: yes, first).

    Shapes: input (N, C, H, W) → output (N, classes), rows sum to 1. Differentiable (for adaptive attacks);
    call ``.eval()`` first and wrap inference in ``torch.inference_mode()`` for speed.

    Example::

        >>> defended = PostAveraged(model, radius=6.0, n_directions=15, seed=0).eval()
        >>> with torch.inference_mode():
        ...     pred = defended(x).argmax(1)
    """

    def __init__(self, model: nn.Module, radius: float, n_directions: int = 15,
                 scales: Sequence[float] = DEFAULT_SCALES, mode: str = "random", seed: int = 0, max_batch: int | None = None,
                 radius_space: str = "normalized", input_std: Sequence[float] | None = None,
                 bounds: tuple[float, float] | None = (0.0, 1.0), clip: bool = False, sampling: str = "paper",
                 include_original: bool = True):
        super().__init__()
        if not isinstance(model, nn.Module):
            raise InputError(f"model must be an nn.Module, got {type(model).__name__}")
        try:
            r = float(radius)
        except (TypeError, ValueError) as exc:
            raise InputError(f"radius must be a number > 0, got {radius!r}") from exc
        if not math.isfinite(r) or r <= 0:
            raise InputError(f"radius must be > 0, got {radius!r}")
        if isinstance(n_directions, bool) or int(n_directions) != n_directions or n_directions < 1:
            raise InputError(f"n_directions must be an integer ≥ 1, got {n_directions!r}")
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
        if max_batch is not None and int(max_batch) < 1:
            raise InputError(f"max_batch must be ≥ 1, got {max_batch!r}")
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
            self._logit_layer = _last_linear(model)
            if self._logit_layer is None:
                raise ConfigError("mode='approx' ranks the units of the logit layer and needs an nn.Linear in the model")
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
        return (f"radius={self.radius:g} ({self.radius_space}), n_directions={self.n_directions}, scales={self.scales}, "
                f"mode={self.mode}, sampling={self.sampling}, samples={self.n_samples}")

    def reseed(self, seed: int | None = None) -> "PostAveraged":
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
        """Unit directions (b, K, C, H, W) (normalised space): the input gradients of the K logit units nearest to their hyperplanes (spec B4)."""
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
        per_pass = max(1, self._batch() // self.n_samples)
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

    def _batch(self) -> int:
        if self.max_batch is not None:
            return self.max_batch
        return 192 if model_device(self.model).type == "cpu" else 8192

    def _model_probs(self, pts: torch.Tensor, n_images: int) -> torch.Tensor:
        outs = []
        batch = self._batch()
        for s in range(0, pts.shape[0], batch):
            chunk = pts[s:s + batch]
            out = self.model(chunk)
            if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[0] != chunk.shape[0] or out.shape[1] < 2:
                shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                raise ModelOutputError(f"model output has shape {shape} for {chunk.shape[0]} inputs; expected "
                                       "(N, classes) logits with at least 2 classes")
            outs.append(torch.softmax(out.float() if out.dtype in (torch.float16, torch.bfloat16) else out, dim=1))
        return torch.cat(outs).view(n_images, -1, outs[0].shape[1]).mean(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Averaged softmax (N, classes) of images (N, C, H, W) inside ``bounds``."""
        self._check_input(x)
        dev = model_device(self.model)
        x = x.to(dev)
        probs = [self._model_probs(pts.reshape(-1, *x.shape[1:]), m) for pts, m in self._iterate(x)]
        return torch.cat(probs)

def averaged_predictions(defended: PostAveraged, images: torch.Tensor, progress: bool = False,
                         chunk_images: int = 256) -> torch.Tensor:
    """Predicted classes (N,) on the CPU of the post-averaged model, in eval and inference mode."""
    preds = []
    with eval_mode(defended), torch.inference_mode():
        for s in tqdm(range(0, images.shape[0], chunk_images), disable=not progress, desc="post-averaged inference",
                      leave=False):
            preds.append(defended(images[s:s + chunk_images]).argmax(1).cpu())
    return torch.cat(preds)


# ------------------------------------------------------------------------------------ attacks (spec B6/B8)
def _ce_grad(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.enable_grad():
        xg = x.detach().clone().requires_grad_(True)
        logits = model(xg)
        loss = nn.functional.cross_entropy(logits, y, reduction="sum")
        (g,) = torch.autograd.grad(loss, xg)
    return g, logits.detach()


def fgsm_sweep(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps_max: float = 16 / 255,
               n_eps: int = 64, bounds: tuple[float, float] = (0.0, 1.0), max_batch: int = 512
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """FGSM with the smallest ε on a grid that flips the model's prediction (Foolbox ``GradientSignAttack``
    semantics, on a finer grid up to ``eps_max``). Returns (adversarials (N, C, H, W), ε per image (N,),
    ``inf`` where none of the grid's ε succeeded — then the adversarial is the clean image)."""
    dev = model_device(model)
    grid = torch.linspace(eps_max / n_eps, eps_max, n_eps)
    advs, found = [], []
    with eval_mode(model):
        for s in range(0, images.shape[0], max_batch):
            x = images[s:s + max_batch].to(dev)
            y = labels[s:s + max_batch].to(dev)
            g, _ = _ce_grad(model, x, y)
            sign = g.sign()
            adv, eps = x.clone(), torch.full((x.shape[0],), math.inf, device=dev)
            with torch.inference_mode():
                for e in grid.tolist():
                    todo = torch.isinf(eps)
                    if not bool(todo.any()):
                        break
                    cand = (x[todo] + e * sign[todo]).clamp(*bounds)
                    hit = model(cand).argmax(1) != y[todo]
                    idx = torch.nonzero(todo).flatten()[hit]
                    adv[idx] = cand[hit]
                    eps[idx] = e
            advs.append(adv.cpu())
            found.append(eps.cpu())
    return torch.cat(advs), torch.cat(found)


def minimal_pgd(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps_max: float = 16 / 255,
                search_steps: int = 6, steps: int = 20, relative_step: float = 1 / 15,
                bounds: tuple[float, float] = (0.0, 1.0), seed: int = 0, max_batch: int = 512,
                progress: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """L∞ PGD that returns early and binary-searches the smallest ε per image (Foolbox's
    ``RandomStartProjectedGradientDescentAttack`` defaults in spirit: random start, step = ε·relative_step,
    early return as soon as the prediction flips, bisection on ε). Batched with a per-image ε.

    Returns (adversarials (N, C, H, W), smallest successful ε per image (N,), ``inf`` where ``eps_max`` failed).
    The defaults are scaled down from Foolbox's (40 iterations, step ε/30, ε from 0.3) for CPU budgets; the
    total path length per run (steps·relative_step ≈ 1.33ε) is the same.
    """
    dev = model_device(model)
    gen = torch.Generator(device=dev).manual_seed(seed)
    lo_b, hi_b = bounds

    def run(x, y, eps):
        e = eps.view(-1, 1, 1, 1)
        adv = (x + (torch.rand(x.shape, generator=gen, device=dev) * 2 - 1) * e).clamp(lo_b, hi_b)
        done = torch.zeros(x.shape[0], dtype=torch.bool, device=dev)
        out = x.clone()
        for _ in range(steps):
            act = ~done
            if not bool(act.any()):
                break
            g, logits = _ce_grad(model, adv[act], y[act])
            hit = logits.argmax(1) != y[act]
            ia = torch.nonzero(act).flatten()
            out[ia[hit]] = adv[ia[hit]]
            done[ia[hit]] = True
            keep = ~hit
            ia, g = ia[keep], g[keep]
            if ia.numel() == 0:
                break
            ea = e[ia]
            step = adv[ia] + ea * relative_step * g.sign()
            adv[ia] = (x[ia] + (step - x[ia]).clamp(-ea, ea)).clamp(lo_b, hi_b)
        act = ~done
        if bool(act.any()):
            with torch.inference_mode():
                hit = model(adv[act]).argmax(1) != y[act]
            ia = torch.nonzero(act).flatten()[hit]
            out[ia] = adv[ia]
            done[ia] = True
        return out, done

    advs, found = [], []
    with eval_mode(model):
        for s in tqdm(range(0, images.shape[0], max_batch), disable=not progress, desc="minimal PGD", leave=False):
            x = images[s:s + max_batch].to(dev)
            y = labels[s:s + max_batch].to(dev)
            n = x.shape[0]
            lo = torch.zeros(n, device=dev)
            hi = torch.full((n,), float(eps_max), device=dev)
            best, ok = run(x, y, hi)
            best_eps = torch.where(ok, hi, torch.full_like(hi, math.inf))
            for _ in range(search_steps):
                mid = (lo + hi) / 2
                adv, succ = run(x, y, mid)
                succ = succ & ok
                best[succ] = adv[succ]
                best_eps[succ] = mid[succ]
                hi = torch.where(succ, mid, hi)
                lo = torch.where(succ, lo, mid)
            advs.append(best.cpu())
            found.append(best_eps.cpu())
    return torch.cat(advs), torch.cat(found)


def _nll_of_probs(probs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return nn.functional.nll_loss(torch.log(probs.clamp_min(1e-12)), y, reduction="sum")


class _EOTAverage(nn.Module):
    """Mean of ``draws`` independent calls of a randomised module (expectation over transformation)."""

    def __init__(self, module: nn.Module, draws: int):
        super().__init__()
        self.module, self.draws = module, draws

    def forward(self, x):
        return torch.stack([self.module(x) for _ in range(self.draws)]).mean(0)


def eot_pgd(defended: PostAveraged, images: torch.Tensor, labels: torch.Tensor, eps: float = LINF_BUDGET,
            steps: int = 20, step_size: float | None = None, n_directions: int = 5, eot_draws: int = 1,
            seed: int = 0, max_batch: int = 64, random_start: bool = True) -> torch.Tensor:
    """Adaptive white-box L∞ PGD through the post-averaged model (spec B8.4).

    At every step the loss is ``−log`` of the averaged softmax over a **fresh** set of sampled points
    (``n_directions`` = K_att directions, ``eot_draws`` independent sets), same radius, scales and space as the
    defense; the gradient flows through all of them. Uses :func:`freqlens.probes.adversarial.pgd_attack` on the
    attacker's own copy of the wrapper. Returns adversarials (N, C, H, W) with ``‖x_adv − x‖∞ ≤ eps``.
    """
    from freqlens.probes.adversarial import pgd_attack

    attacker = PostAveraged(defended.model, defended.radius, n_directions=n_directions, scales=defended.scales,
                            mode=defended.mode, seed=seed + 7919, max_batch=defended.max_batch,
                            radius_space=defended.radius_space,
                            input_std=None if defended.input_std is None else defended.input_std.tolist(),
                            bounds=defended.bounds, clip=defended.clip, sampling=defended.sampling,
                            include_original=defended.include_original)
    wrapped = attacker if eot_draws <= 1 else _EOTAverage(attacker, eot_draws)
    return pgd_attack(wrapped, images, labels, eps=eps, step_size=step_size if step_size is not None else 2.5 * eps / steps,
                      steps=steps, norm="linf", random_start=random_start, bounds=defended.bounds or (0.0, 1.0),
                      loss_fn=_nll_of_probs, seed=seed, max_batch=max_batch)


# ------------------------------------------------------------------------------------------- evaluations
@dataclass
class DefenseEvaluation(Result):
    """Clean and attacked accuracy of a base model and its post-averaged version.

    ``attacks[name]`` holds: ``threat`` ("transfer" = computed on the base model, "adaptive" = through the
    defense), ``n_images``, ``n_attacked`` (images the base model got right), ``n_counted`` (adversarials that fool
    the base model within L∞ ≤ ``linf_budget``), ``defense_rate`` (fraction of counted adversarials the defended
    model classifies correctly; NaN when none), ``base_accuracy`` / ``defended_accuracy`` on the attacked set
    (per image: the counted adversarial if one exists, else the clean image), ``median_eps``.
    """

    protocol: str
    radius: float
    radius_space: str
    radius_pixel: float
    n_directions: int
    n_samples: int
    n_images: int
    clean_accuracy_base: float
    clean_accuracy_defended: float
    linf_budget: float
    attacks: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: str = ""

    def plot(self, ax=None):
        from freqlens.plot.post_averaging import plot_defense_evaluation

        return plot_defense_evaluation(self, ax=ax)

    def robust_accuracy(self, attack: str) -> float:
        """Defended accuracy on the attacked set of ``attack``."""
        return float(self.attacks[attack]["defended_accuracy"])


def _attack_summary(base_pred_adv, def_pred_adv, base_clean, def_clean, y, counted, attacked, eps, threat) -> dict:
    n_counted = int(counted.sum())
    rate = float((def_pred_adv[counted] == y[counted]).float().mean()) if n_counted else float("nan")
    base_final = torch.where(counted, base_pred_adv, base_clean)
    def_final = torch.where(counted, def_pred_adv, def_clean)
    e = eps[counted]
    return {"threat": threat, "n_images": int(y.numel()), "n_attacked": int(attacked.sum()), "n_counted": n_counted,
            "success_rate_base": n_counted / max(1, int(attacked.sum())), "defense_rate": rate,
            "base_accuracy": float((base_final == y).float().mean()),
            "defended_accuracy": float((def_final == y).float().mean()),
            "median_eps": float(e.median()) if n_counted else float("nan")}


def _base_predictions(model, x, max_batch=512):
    from freqlens.probes.common import predict_labels

    return predict_labels(model, x, max_batch=max_batch)


def _transfer_attack(name, model, defended, x, y, base_clean, def_clean, progress, seed, max_batch, budget,
                     pgd_steps=20):
    attacked = base_clean == y
    idx = torch.nonzero(attacked).flatten()
    adv = x.clone()
    eps = torch.full((x.shape[0],), math.inf)
    if idx.numel():
        xa, ya = x[idx], y[idx]
        if name == "fgsm_sweep":
            a, e = fgsm_sweep(model, xa, ya, eps_max=2 * budget, max_batch=max_batch)
        elif name == "pgd_minimal":
            a, e = minimal_pgd(model, xa, ya, eps_max=2 * budget, steps=pgd_steps, relative_step=4 / (3 * pgd_steps),
                               seed=seed, max_batch=max_batch, progress=progress)
        elif name == "pgd_fixed":
            from freqlens.probes.adversarial import pgd_attack

            a = pgd_attack(model, xa, ya, eps=budget, step_size=2 / 255, steps=20, random_start=True, seed=seed,
                           max_batch=max_batch)
            e = (a - xa).flatten(1).abs().amax(1)
        else:  # pragma: no cover - internal names only
            raise ConfigError(f"unknown attack {name!r}")
        adv[idx], eps[idx] = a, e
    linf = (adv - x).flatten(1).abs().amax(1)
    base_adv = _base_predictions(model, adv, max_batch)
    counted = attacked & (base_adv != y) & (linf <= budget + 1e-6)
    def_adv = def_clean.clone()
    if bool(counted.any()):
        def_adv[counted] = averaged_predictions(defended, adv[counted], progress)
    return _attack_summary(base_adv, def_adv, base_clean, def_clean, y, counted, attacked, linf.where(counted, eps),
                           "transfer")


def _check_eval_inputs(model, defended, images, labels):
    if not isinstance(defended, PostAveraged):
        raise InputError(f"defended must be a PostAveraged wrapper, got {type(defended).__name__}")
    check_images(images, labels, defended.bounds)
    with eval_mode(model), torch.inference_mode():
        logits = model(images[:2].to(model_device(model)))
    if not isinstance(logits, torch.Tensor) or logits.ndim != 2 or logits.shape[1] < 2:
        raise ModelOutputError("model output is not (N, classes) logits")
    check_labels_fit(logits, labels)


PAPER_ATTACKS = ("fgsm_sweep", "pgd_minimal", "pgd_fixed")


def evaluate_paper_protocol(model: nn.Module, defended: PostAveraged, images: torch.Tensor, labels: torch.Tensor,
                            attacks: Sequence[str] = PAPER_ATTACKS, linf_budget: float = LINF_BUDGET,
                            seed: int = 0, max_batch: int = 256, progress: bool = False,
                            minimal_pgd_steps: int = 20) -> DefenseEvaluation:
    """The paper's defense-unaware protocol (spec B6): adversarials computed on the **base** model for the images
    it classifies correctly, counted when they fool it within L∞ ≤ ``linf_budget``, then shown to the defense.

    ``attacks``: ``"fgsm_sweep"`` and ``"pgd_minimal"`` (minimal perturbations, as in the paper) and the honest
    control ``"pgd_fixed"`` (fixed ε = budget, 20 steps of 2/255, random start, no early stop; spec B8.4).
    Images (N, C, H, W) in ``defended.bounds``; labels (N,). ``minimal_pgd_steps``: iterations of each minimal-PGD
    run (step = 4ε/(3·steps); Foolbox's default is 40 with step ε/30 — finer steps land closer to the boundary).

    Example::

        >>> ev = evaluate_paper_protocol(model, PostAveraged(model, 6.0), x, y)
        >>> ev.attacks["pgd_minimal"]["defense_rate"]
    """
    _check_eval_inputs(model, defended, images, labels)
    unknown = set(attacks) - set(PAPER_ATTACKS)
    if unknown:
        raise ConfigError(f"unknown attack(s) {sorted(unknown)}; expected some of {list(PAPER_ATTACKS)}")
    x, y = images.cpu(), labels.cpu()
    base_clean = _base_predictions(model, x, max_batch)
    def_clean = averaged_predictions(defended, x, progress)
    out = DefenseEvaluation("paper", defended.radius, defended.radius_space, defended.radius_pixel,
                            defended.n_directions, defended.n_samples, int(y.numel()),
                            float((base_clean == y).float().mean()), float((def_clean == y).float().mean()),
                            float(linf_budget))
    for i, name in enumerate(attacks):
        out.attacks[name] = _transfer_attack(name, model, defended, x, y, base_clean, def_clean, progress, seed + i,
                                             max_batch, linf_budget, minimal_pgd_steps)
    return out


def evaluate_adaptive(model: nn.Module, defended: PostAveraged, images: torch.Tensor, labels: torch.Tensor,
                      eps: float = LINF_BUDGET, steps: int = 20, attacker_directions: int = 5, eot_draws: int = 1,
                      seed: int = 0, max_batch: int = 64, progress: bool = False,
                      include_paper_pgd: bool = True) -> DefenseEvaluation:
    """Adaptive white-box evaluation (spec B8.4): :func:`eot_pgd` through the post-averaged model on every image,
    then the defense (its own fresh directions) classifies the result. ``attacks["eot_pgd"]["defended_accuracy"]``
    is the robust accuracy. With ``include_paper_pgd`` the paper-style minimal transfer PGD on the same images
    is added (``attacks["pgd_minimal"]``) so the two can be read side by side.
    """
    _check_eval_inputs(model, defended, images, labels)
    if steps < 1:
        raise InputError(f"steps must be ≥ 1, got {steps}")
    x, y = images.cpu(), labels.cpu()
    base_clean = _base_predictions(model, x)
    def_clean = averaged_predictions(defended, x, progress)
    out = DefenseEvaluation("adaptive", defended.radius, defended.radius_space, defended.radius_pixel,
                            defended.n_directions, defended.n_samples, int(y.numel()),
                            float((base_clean == y).float().mean()), float((def_clean == y).float().mean()),
                            float(eps))
    if include_paper_pgd:
        out.attacks["pgd_minimal"] = _transfer_attack("pgd_minimal", model, defended, x, y, base_clean, def_clean,
                                                      progress, seed, 256, eps)
    chunks = []
    for s in tqdm(range(0, x.shape[0], max_batch), disable=not progress, desc="EOT-PGD", leave=False):
        chunks.append(eot_pgd(defended, x[s:s + max_batch], y[s:s + max_batch], eps=eps, steps=steps,
                              n_directions=attacker_directions, eot_draws=eot_draws, seed=seed + s,
                              max_batch=max_batch))
    adv = torch.cat(chunks)
    base_adv = _base_predictions(model, adv)
    def_adv = averaged_predictions(defended, adv, progress)
    everyone = torch.ones_like(y, dtype=torch.bool)
    linf = (adv - x).flatten(1).abs().amax(1)
    summary = _attack_summary(base_adv, def_adv, base_clean, def_clean, y, everyone, everyone, linf, "adaptive")
    # every image is attacked; robust accuracy = defended accuracy on the adversarials
    summary["n_counted"] = int(y.numel())
    summary["defense_rate"] = float((def_adv == y).float().mean())
    summary["defended_accuracy"] = float((def_adv == y).float().mean())
    summary["base_accuracy"] = float((base_adv == y).float().mean())
    summary.update({"steps": steps, "attacker_directions": attacker_directions, "eot_draws": eot_draws})
    out.attacks["eot_pgd"] = summary
    out.notes = ("eot_pgd: PGD on -log of the averaged softmax, fresh directions at every step; "
                 "defended_accuracy is the robust accuracy")
    return out


# ------------------------------------------------------------------------------------- clean accuracy vs r
@dataclass
class RadiusTradeoff(Result):
    """Clean accuracy of the post-averaged model for several radii and sampling modes (spec B8.2).

    ``accuracy[mode]`` and ``radii[mode]`` are lists of the same length; modes are ``random``, ``ball``, ``approx``.
    """

    base_accuracy: float
    default_radius: float
    radius_space: str
    n_directions: int
    n_images: int
    radii: dict[str, list[float]]
    accuracy: dict[str, list[float]]

    def plot(self, ax=None):
        from freqlens.plot.post_averaging import plot_radius_tradeoff

        return plot_radius_tradeoff(self, ax=ax)


def radius_tradeoff(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, radii: Sequence[float],
                    modes: dict[str, Sequence[float]] | None = None, n_directions: int = 15, seed: int = 0,
                    radius_space: str = "normalized", input_std: Sequence[float] | None = None,
                    max_batch: int | None = None, progress: bool = False, default_radius: float | None = None
                    ) -> RadiusTradeoff:
    """Clean accuracy (images (N, C, H, W), labels (N,)) of ``PostAveraged(model, r)`` for every r in ``radii``
    with random directions; ``modes`` adds ``{"ball": [radii...], "approx": [radii...]}`` (approx uses
    K = min(n_directions, classes)). Example: ``radius_tradeoff(model, x, y, [3, 6, 12]).accuracy["random"]``.
    """
    from freqlens.probes.common import probe_accuracy

    check_images(images, labels)
    base = probe_accuracy(model, images, labels)
    todo = {"random": list(radii)}
    todo.update({k: list(v) for k, v in (modes or {}).items()})
    acc: dict[str, list[float]] = {}
    for mode, rs in todo.items():
        acc[mode] = []
        for r in rs:
            kw = dict(seed=seed, radius_space=radius_space, input_std=input_std, max_batch=max_batch)
            if mode == "approx":
                layer = _last_linear(model)
                k = min(n_directions, layer.out_features if layer is not None else n_directions)
                wrapper = PostAveraged(model, r, n_directions=k, mode="approx", **kw)
            elif mode == "ball":
                wrapper = PostAveraged(model, r, n_directions=n_directions, sampling="ball", **kw)
            elif mode == "random":
                wrapper = PostAveraged(model, r, n_directions=n_directions, **kw)
            else:
                raise ConfigError(f"unknown mode {mode!r}; expected random, ball or approx")
            pred = averaged_predictions(wrapper, images, progress)
            acc[mode].append(float((pred == labels.cpu()).float().mean()))
    return RadiusTradeoff(base, float(default_radius if default_radius is not None else radii[len(radii) // 2]),
                          radius_space, n_directions, int(labels.numel()), {k: list(map(float, v)) for k, v in todo.items()},
                          acc)
