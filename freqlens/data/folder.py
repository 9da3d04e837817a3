"""An image folder in the ImageFolder layout — ``root/<class>/<image>.png|jpg|...``, classes in sorted order —
read with Pillow and sized like timm's evaluation transform: resize the shorter side to ``img_size / crop_pct``
(bicubic), then crop the centre ``img_size × img_size``.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch

from freqlens.errors import DataError, InputError, MissingDependencyError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm")


def folder_classes(root: str | os.PathLike) -> list[str]:
    """The class names of an ImageFolder: its sub-folders holding at least one image, sorted.

    Args:
        root: the folder.

    Returns:
        Sorted class names (label ``i`` is ``classes[i]``).

    Raises:
        DataError: not a folder, or no sub-folder with images.

    Source: freqlens (the torchvision ImageFolder convention).

    Example:
        >>> folder_classes(".")  # doctest: +SKIP
        ['cat', 'dog']
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"image folder {root} does not exist")
    classes = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")
                     and any(f.suffix.lower() in IMAGE_SUFFIXES for f in d.iterdir()))
    if not classes:
        raise DataError(f"image folder {root} has no class sub-folders with images; expected the ImageFolder "
                        f"layout {root}/<class>/<image>.png")
    return classes


def _resize_crop(img, img_size: int | None, crop_pct: float):
    from PIL import Image

    if img_size is None:
        return img
    scale = int(math.floor(img_size / crop_pct))
    w, h = img.size
    if w <= h:
        nw, nh = scale, max(1, int(h * scale / w))
    else:
        nw, nh = max(1, int(w * scale / h)), scale
    img = img.resize((nw, nh), Image.BICUBIC)
    left, top = int(round((nw - img_size) / 2.0)), int(round((nh - img_size) / 2.0))
    return img.crop((left, top, left + img_size, top + img_size))


def load_image_folder(root: str | os.PathLike, img_size: int | None = None, crop_pct: float = 0.875,
                      limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Images, labels and class names from an ImageFolder, sized like timm's evaluation transform.

    Args:
        root: ``root/<class>/<image>``; PNG, JPEG (and the other formats Pillow reads).
        img_size: output side in pixels; the shorter side is resized (bicubic) to ``floor(img_size / crop_pct)``
            and the centre ``img_size × img_size`` is cropped. ``None``: keep the files' size (they must agree).
        crop_pct: timm's ``--crop-pct``, in (0, 1].
        limit: keep this many images, taken round-robin over the classes (so a small limit sees every class).

    Returns:
        ``(images, labels, classes)``: float32 (N, C, H, W) in [0, 1] (C = 1 when every image is grayscale,
        else 3), int64 (N,), and the sorted class names.

    Raises:
        DataError: a missing folder, no images, an unreadable file, or sizes that differ with ``img_size=None``.
        InputError: ``img_size`` < 1 or ``crop_pct`` outside (0, 1].
        MissingDependencyError: Pillow is not installed.

    Source: freqlens; resize/crop rule as timm's ``transforms_factory`` evaluation transform.

    Example:
        >>> x, y, classes = load_image_folder("my_images/", img_size=224, crop_pct=0.875)  # doctest: +SKIP
    """
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError as exc:  # pragma: no cover - Pillow is a dependency
        raise MissingDependencyError("reading an image folder needs Pillow: pip install Pillow") from exc
    if img_size is not None and (isinstance(img_size, bool) or int(img_size) != img_size or img_size < 1):
        raise InputError(f"img_size must be a whole number of pixels ≥ 1, got {img_size!r}")
    if not (isinstance(crop_pct, (int, float)) and 0 < crop_pct <= 1):
        raise InputError(f"crop_pct must be in (0, 1] (timm's default 0.875), got {crop_pct!r}")
    root = Path(root)
    classes = folder_classes(root)
    per_class = [sorted(f for f in (root / c).iterdir() if f.suffix.lower() in IMAGE_SUFFIXES) for c in classes]
    order = []  # round-robin over the classes
    for i in range(max(len(p) for p in per_class)):
        order += [(files[i], label) for label, files in enumerate(per_class) if i < len(files)]
    if limit is not None:
        order = order[: int(limit)]
    images, labels, gray = [], [], True
    for path, label in order:
        try:
            with Image.open(path) as im:
                im.load()
                gray = gray and im.mode in ("L", "I", "I;16", "1", "LA")
                images.append(_resize_crop(im.convert("RGB"), None if img_size is None else int(img_size),
                                           float(crop_pct)))
        except (UnidentifiedImageError, OSError) as exc:
            raise DataError(f"cannot read image {path}: {exc}") from exc
        labels.append(label)
    sizes = {im.size for im in images}
    if len(sizes) > 1:
        raise DataError(f"images in {root} have {len(sizes)} different sizes (e.g. {sorted(sizes)[:2]}); pass "
                        "--img-size N (img_size=N) to resize and centre-crop them to N × N")
    arr = np.stack([np.asarray(im, dtype=np.uint8) for im in images])          # (N, H, W, 3)
    x = torch.from_numpy(arr).permute(0, 3, 1, 2).float() / 255.0
    if gray:
        x = x[:, :1]
    return x.contiguous(), torch.tensor(labels, dtype=torch.long), classes


__all__ = ["load_image_folder", "folder_classes", "IMAGE_SUFFIXES"]
