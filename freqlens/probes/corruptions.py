"""Common corruptions (Hendrycks & Dietterich) through one adapter around the ``imagecorruptions`` package,
plus a few dependency-free built-in approximations (used when the imagecorruptions extra is absent).

``imagecorruptions`` 1.1.2 as shipped does not run on NumPy 2 / setuptools ≥ 81 / scikit-image ≥ 0.21. This
module is the only place that touches it and applies shims *locally* (nothing global is patched):

* ``pkg_resources.resource_filename`` (removed from new setuptools) — a tiny stand-in module is placed in
  ``sys.modules`` only while the package is imported, if the real one is missing;
* ``np.float_`` (removed in NumPy 2) — the package's ``np`` is replaced by a proxy that adds the alias;
* ``skimage.filters.gaussian(multichannel=True)`` (removed) — translated to ``channel_axis=-1``;
* ``skimage.util.random_noise`` draws from an unseeded generator — given a seeded ``rng``;
* the package draws from NumPy's global RNG: each image is corrupted inside a block that seeds it from
  ``(seed, image index)`` and restores the caller's global state afterwards.

The package refuses images smaller than 32 × 32 pixels; so does this adapter (one-line error). Its severity
parameters are those of ImageNet-C (CIFAR-10-C used milder ones for some corruptions), so "severity 3" here
is comparable in kind, not in number, to CIFAR-10-C severity 3.

Install the optional extra with ``pip install 'freqlens[corruptions]'``.

Example::

    >>> import torch
    >>> x_test = torch.rand(4, 3, 32, 32)
    >>> xc = corrupt(x_test, "fog", severity=3, seed=0, backend="builtin")     # (N, 3, 32, 32) in [0, 1]
    >>> xc.shape, bool(xc.min() >= 0 and xc.max() <= 1)
    (torch.Size([4, 3, 32, 32]), True)
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types

import numpy as np
import torch

from freqlens.errors import ConfigError, InputError, MissingDependencyError
from freqlens.validation import check_bounds, check_rank

COMMON_CORRUPTIONS = ("gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur", "motion_blur",
                      "zoom_blur", "snow", "frost", "fog", "brightness", "contrast", "elastic_transform", "pixelate",
                      "jpeg_compression")
EXTRA_CORRUPTIONS = ("speckle_noise", "gaussian_blur", "spatter", "saturate")
ALL_CORRUPTIONS = COMMON_CORRUPTIONS + EXTRA_CORRUPTIONS
INSTALL_HINT = "pip install 'freqlens[corruptions]'"

_PACKAGE = None


def imagecorruptions_available() -> bool:
    """Whether the optional ``imagecorruptions`` package is installed (found on the import path; it is not imported).

    Args:
        None.

    Returns:
        True when the package can be found.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> isinstance(imagecorruptions_available(), bool)
        True
    """
    return importlib.util.find_spec("imagecorruptions") is not None


class _NumpyProxy(types.ModuleType):
    """NumPy with the aliases NumPy 2 removed, for the wrapped package only."""

    def __init__(self):
        super().__init__("numpy")

    def __getattr__(self, name):
        if name == "float_":
            return np.float64
        if name == "complex_":
            return np.complex128
        return getattr(np, name)


def _resource_filename(package: str, resource: str) -> str:
    module = sys.modules.get(package) or importlib.import_module(package)
    base = os.path.dirname(module.__file__)
    return os.path.normpath(os.path.join(base, resource))


def _load_package():
    """Import ``imagecorruptions`` with the shims above; MissingDependencyError naming the extra otherwise."""
    global _PACKAGE
    if _PACKAGE is not None:
        return _PACKAGE
    if not imagecorruptions_available():
        raise MissingDependencyError(f"corruptions need the optional 'imagecorruptions' package: {INSTALL_HINT}")
    added_shim = False
    if importlib.util.find_spec("pkg_resources") is None and "pkg_resources" not in sys.modules:
        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = _resource_filename  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = shim
        added_shim = True
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pkg = importlib.import_module("imagecorruptions")
            mod = importlib.import_module("imagecorruptions.corruptions")
    except ImportError as exc:
        raise MissingDependencyError(f"imagecorruptions is installed but cannot be imported ({exc}); "
                                     f"reinstall the extra: {INSTALL_HINT}") from exc
    finally:
        if added_shim:
            sys.modules.pop("pkg_resources", None)
    if added_shim:
        mod.resource_filename = _resource_filename
    mod.np = _NumpyProxy()
    gaussian = mod.gaussian

    def gaussian_compat(image, sigma=1, multichannel=None, **kw):
        if multichannel:
            kw.setdefault("channel_axis", -1)
        return gaussian(image, sigma=sigma, **kw)

    mod.gaussian = gaussian_compat
    sk = mod.sk
    random_noise = sk.util.random_noise

    def seeded_random_noise(image, *args, **kw):
        kw.setdefault("rng", int(np.random.randint(0, 2**31 - 1)))
        return random_noise(image, *args, **kw)

    util_proxy = types.SimpleNamespace(**{k: getattr(sk.util, k) for k in dir(sk.util) if not k.startswith("__")})
    util_proxy.random_noise = seeded_random_noise
    sk_proxy = types.SimpleNamespace(**{k: getattr(sk, k) for k in ("color", "filters", "util", "transform",
                                                                     "exposure") if hasattr(sk, k)})
    sk_proxy.util = util_proxy
    mod.sk = sk_proxy
    _PACKAGE = pkg
    return pkg


# --- built-in approximations (no dependency): used when the package is absent, or asked for ------------

def _gaussian_kernel(sigma: float) -> torch.Tensor:
    r = max(1, int(3 * sigma + 0.5))
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-t ** 2 / (2 * sigma ** 2))
    return k / k.sum()


def _blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    k = _gaussian_kernel(sigma).to(x)
    c = x.shape[1]
    pad = k.numel() // 2
    y = torch.nn.functional.pad(x, (pad, pad, 0, 0), mode="reflect")
    y = torch.nn.functional.conv2d(y, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    y = torch.nn.functional.pad(y, (0, 0, pad, pad), mode="reflect")
    return torch.nn.functional.conv2d(y, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def _pink_field(n: int, h: int, w: int, g: torch.Generator, decay: float = 2.0) -> torch.Tensor:
    f = torch.sqrt(torch.fft.fftfreq(h, 1 / h)[:, None] ** 2 + torch.fft.fftfreq(w, 1 / w)[None, :] ** 2)
    amp = torch.where(f > 0, f.clamp_min(1) ** (-decay), torch.zeros(()))
    z = torch.randn(n, 1, h, w, generator=g)
    field = torch.fft.ifft2(torch.fft.fft2(z) * amp).real
    field = field - field.amin(dim=(-2, -1), keepdim=True)
    return field / field.amax(dim=(-2, -1), keepdim=True).clamp_min(1e-12)


def _builtin(name: str, x: torch.Tensor, severity: int, g: torch.Generator) -> torch.Tensor:
    s = severity - 1
    if name == "gaussian_noise":
        return x + torch.randn(x.shape, generator=g) * [0.04, 0.06, 0.08, 0.09, 0.10][s]
    if name == "shot_noise":
        lam = [500, 250, 100, 75, 50][s]
        return torch.poisson(x * lam, generator=g) / lam
    if name == "impulse_noise":
        amount = [0.01, 0.02, 0.03, 0.05, 0.07][s]
        u = torch.rand(x.shape, generator=g)
        salt = torch.rand(x.shape, generator=g) < 0.5
        return torch.where(u < amount, salt.to(x.dtype), x)
    if name == "gaussian_blur":
        return _blur(x, [0.4, 0.6, 0.7, 0.8, 1.0][s])
    if name == "contrast":
        c = [0.75, 0.5, 0.4, 0.3, 0.15][s]
        m = x.mean(dim=(-3, -2, -1), keepdim=True)
        return (x - m) * c + m
    if name == "brightness":
        return x + [0.05, 0.1, 0.15, 0.2, 0.3][s]
    if name == "fog":
        c = [0.2, 0.3, 0.4, 0.5, 0.6][s]
        fog = _pink_field(x.shape[0], x.shape[-2], x.shape[-1], g)
        peak = x.amax(dim=(-3, -2, -1), keepdim=True)
        return (x + c * fog) * peak / (peak + c)
    raise ConfigError(f"unknown built-in corruption {name!r}; built-in: {', '.join(BUILTIN_CORRUPTIONS)}")


BUILTIN_CORRUPTIONS = ("gaussian_noise", "shot_noise", "impulse_noise", "gaussian_blur", "contrast", "brightness",
                       "fog")


def _check_name(name: str, backend: str) -> None:
    known = BUILTIN_CORRUPTIONS if backend == "builtin" else ALL_CORRUPTIONS
    if name not in known:
        import difflib

        close = difflib.get_close_matches(name, known, n=2)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ConfigError(f"unknown corruption {name!r}{hint}; expected one of {', '.join(known)}")


def resolve_backend(backend: str = "auto") -> str:
    """The corruption backend to use: for "auto", "imagecorruptions" when that package is installed, else "builtin";
    an explicit backend is returned as given.

    Args:
        backend: "auto", "imagecorruptions" or "builtin".

    Returns:
        "imagecorruptions" or "builtin".

    Raises:
        ConfigError: an unknown backend.

    Source:
        freqlens.

    Example:
        >>> resolve_backend("builtin"), resolve_backend("auto") in ("imagecorruptions", "builtin")
        ('builtin', True)
    """
    if backend == "auto":
        return "imagecorruptions" if imagecorruptions_available() else "builtin"
    if backend not in ("imagecorruptions", "builtin"):
        raise ConfigError(f"corruption backend must be 'auto', 'imagecorruptions' or 'builtin', got {backend!r}")
    return backend


def corrupt(images: torch.Tensor, name: str, severity: int = 3, seed: int = 0, backend: str = "auto",
            progress: bool = False) -> torch.Tensor:
    """Corrupt images (N, C, H, W) in [0, 1] → the same shape in [0, 1].

    ``backend``: "imagecorruptions" (the optional extra; MissingDependencyError naming it when absent; images of at
    least 32 × 32), "builtin" (seven torch approximations: gaussian/shot/impulse noise, gaussian blur, contrast,
    brightness, fog as 1/f² noise), or "auto" (the package when installed). Image n is corrupted with randomness
    seeded by (seed, n): results do not depend on batching and leave the caller's global RNG state untouched.

    Args:
        images: (N, C, H, W) with C = 1 or 3, values in [0, 1].
        name: a corruption of :func:`corruption_names` for the backend.
        severity: 1 … 5.
        seed: base seed of the per-image randomness.
        backend: "auto", "imagecorruptions" or "builtin".
        progress: show a progress bar (package backend).

    Returns:
        (N, C, H, W) corrupted images in [0, 1], on the input's device and dtype.

    Raises:
        InputError: images of the wrong rank, channels or range; a severity outside 1..5; images smaller than 32 × 32
            with the package.
        ConfigError: an unknown backend or corruption name.
        MissingDependencyError: the package backend without ``imagecorruptions`` installed.

    Source:
        Hendrycks and Dietterich 2019 (ICLR), CIFAR-10-C; the builtin approximations are freqlens's.

    Example:
        >>> from freqlens.fourier.spectrum import high_frequency_fraction
        >>> x = torch.full((2, 3, 32, 32), 0.5)
        >>> xc = corrupt(x, "gaussian_noise", severity=3, backend="builtin")
        >>> xc.shape, high_frequency_fraction(xc - x) > 0.5          # noise: most energy at high frequencies
        (torch.Size([2, 3, 32, 32]), True)
    """
    backend = resolve_backend(backend)
    _check_name(name, backend)
    if isinstance(severity, bool) or not isinstance(severity, (int, float)) or severity not in (1, 2, 3, 4, 5):
        raise InputError(f"severity must be an integer in 1..5, got {severity!r}")
    check_rank(images, "images", 4, "(N, C, H, W)")
    check_bounds(images, (0.0, 1.0))
    n, c, h, w = images.shape
    if c not in (1, 3):
        raise InputError(f"corruptions need 1 or 3 channels, got {c}")
    x = images.detach().cpu().float()
    if backend == "builtin":
        g = torch.Generator().manual_seed(int(seed) * 7_919 + ALL_CORRUPTIONS.index(name) * 104_729 + int(severity))
        return _builtin(name, x, int(severity), g).clamp(0, 1).to(images.device, images.dtype)
    if h < 32 or w < 32:
        raise InputError(f"imagecorruptions needs images of at least 32 × 32 pixels, got {h} × {w}; upsample them "
                         f"first or use backend='builtin'")
    pkg = _load_package()
    arr = np.round(x.permute(0, 2, 3, 1).numpy() * 255).astype(np.uint8)
    out = np.empty((n, h, w, 3), dtype=np.float32)
    state = np.random.get_state()
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm

            for i in tqdm(range(n), desc=f"corrupt {name}", disable=not progress, leave=False):
                np.random.seed((int(seed) * 1_000_003 + i * 7_919 + ALL_CORRUPTIONS.index(name)) % (2**32))
                img = arr[i, :, :, 0] if c == 1 else arr[i]
                res = pkg.corrupt(img, severity=int(severity), corruption_name=name)
                out[i] = np.asarray(res, dtype=np.float32)[:h, :w]
    finally:
        np.random.set_state(state)
    result = torch.from_numpy(out / 255.0).permute(0, 3, 1, 2)
    if c == 1:
        result = result.mean(1, keepdim=True)
    return result.clamp(0, 1).to(images.device, images.dtype)


def corruption_names(backend: str = "auto", subset: str = "common") -> tuple[str, ...]:
    """The corruption names available with a backend: for the package, the 15 common CIFAR-10-C corruptions ("common")
    or those and the 4 extras ("all"); for "builtin", its seven approximations (``subset`` is ignored).

    Args:
        backend: "auto", "imagecorruptions" or "builtin".
        subset: "common" or "all".

    Returns:
        A tuple of names.

    Raises:
        ConfigError: an unknown backend or subset.

    Source:
        Hendrycks and Dietterich 2019 (ICLR), CIFAR-10-C corruptions.

    Example:
        >>> corruption_names("builtin")
        ('gaussian_noise', 'shot_noise', 'impulse_noise', 'gaussian_blur', 'contrast', 'brightness', 'fog')
        >>> len(corruption_names("imagecorruptions")), len(corruption_names("imagecorruptions", "all"))
        (15, 19)
    """
    if resolve_backend(backend) == "builtin":
        return BUILTIN_CORRUPTIONS
    if subset == "common":
        return COMMON_CORRUPTIONS
    if subset == "all":
        return ALL_CORRUPTIONS
    raise ConfigError(f"subset must be 'common' or 'all', got {subset!r}")


__all__ = ["corrupt", "corruption_names", "imagecorruptions_available", "resolve_backend", "COMMON_CORRUPTIONS",
           "EXTRA_CORRUPTIONS", "ALL_CORRUPTIONS", "BUILTIN_CORRUPTIONS", "INSTALL_HINT"]
