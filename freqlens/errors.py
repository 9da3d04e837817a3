"""One exception family for freqlens.

Every error a user can cause (bad tensors, unknown names, missing data, corrupt files) raises a subclass of
:class:`FreqlensError` whose message is one line naming the bad value and what was expected. The CLI prints
that message and exits with status 2.
"""
from __future__ import annotations


class FreqlensError(Exception):
    """Base class of every error freqlens raises on purpose."""


class InputError(FreqlensError, ValueError):
    """A tensor, array or argument has the wrong shape, dtype, range or value (NaN, δ ≤ 0, ...)."""


class ModelOutputError(InputError):
    """The model's output does not have the shape the method needs (e.g. not (N, classes))."""


class ConfigError(FreqlensError, ValueError):
    """An unknown name (recipe, dataset, corruption) or an inconsistent configuration."""


class DataError(FreqlensError):
    """A data set is missing, truncated or fails its checksum."""


class CheckpointError(FreqlensError):
    """A checkpoint or weights file is missing, corrupt, or belongs to another configuration."""


class MissingDependencyError(FreqlensError, ImportError):
    """An optional extra (torchvision, imagecorruptions, lightning) is needed but not installed."""
