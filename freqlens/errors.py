"""One exception family for freqlens.

Every error a user can cause (bad tensors, unknown names, missing data, corrupt files) raises a subclass of
:class:`FreqlensError` whose message is one line naming the bad value and what was expected. The CLI prints
that message and exits with status 2.
"""
from __future__ import annotations


class FreqlensError(Exception):
    """Base class of every error freqlens raises on purpose.

    Args:
        message: one line naming the bad value (or missing thing) and the fix.

    Attributes:
        args: ``(message,)``, as for every exception.

    Raises:
        Nothing: it is what freqlens raises; the CLI prints its message and exits with status 2.

    Source: freqlens.

    Example:
        >>> err = FreqlensError('something went wrong; here is the fix')
        >>> isinstance(err, FreqlensError), isinstance(err, Exception), str(err)
        (True, True, 'something went wrong; here is the fix')
    """


class InputError(FreqlensError, ValueError):
    """A tensor, array or argument has the wrong shape, dtype, range or value (NaN, δ ≤ 0, ...).

    Also a ``ValueError``, so code that catches ``ValueError`` keeps working.

    Args:
        message: one line naming the bad value (or missing thing) and the fix.

    Attributes:
        args: ``(message,)``, as for every exception.

    Raises:
        Nothing: it is what freqlens raises; the CLI prints its message and exits with status 2.

    Source: freqlens.

    Example:
        >>> err = InputError('eps must be > 0, got -1')
        >>> isinstance(err, FreqlensError), isinstance(err, ValueError), str(err)
        (True, True, 'eps must be > 0, got -1')
    """


class ModelOutputError(InputError):
    """The model's output does not have the shape the method needs (e.g. not (N, classes)).

    Args:
        message: one line naming the bad value (or missing thing) and the fix.

    Attributes:
        args: ``(message,)``, as for every exception.

    Raises:
        Nothing: it is what freqlens raises; the CLI prints its message and exits with status 2.

    Source: freqlens.

    Example:
        >>> err = ModelOutputError('model output has shape (4,); expected (N, classes)')
        >>> isinstance(err, FreqlensError), isinstance(err, InputError), str(err)
        (True, True, 'model output has shape (4,); expected (N, classes)')
    """


class ConfigError(FreqlensError, ValueError):
    """An unknown name (recipe, dataset, corruption) or an inconsistent configuration.

    Also a ``ValueError``.

    Args:
        message: one line naming the bad value (or missing thing) and the fix.

    Attributes:
        args: ``(message,)``, as for every exception.

    Raises:
        Nothing: it is what freqlens raises; the CLI prints its message and exits with status 2.

    Source: freqlens.

    Example:
        >>> err = ConfigError("unknown recipe 'foo'")
        >>> isinstance(err, FreqlensError), isinstance(err, ValueError), str(err)
        (True, True, "unknown recipe 'foo'")
    """


class DataError(FreqlensError):
    """A data set is missing, truncated or fails its checksum.

    Args:
        message: one line naming the bad value (or missing thing) and the fix.

    Attributes:
        args: ``(message,)``, as for every exception.

    Raises:
        Nothing: it is what freqlens raises; the CLI prints its message and exits with status 2.

    Source: freqlens.

    Example:
        >>> err = DataError('MNIST files not found in data/')
        >>> isinstance(err, FreqlensError), isinstance(err, FreqlensError), str(err)
        (True, True, 'MNIST files not found in data/')
    """


class CheckpointError(FreqlensError):
    """A checkpoint or weights file is missing, corrupt, or belongs to another configuration.

    Args:
        message: one line naming the bad value (or missing thing) and the fix.

    Attributes:
        args: ``(message,)``, as for every exception.

    Raises:
        Nothing: it is what freqlens raises; the CLI prints its message and exits with status 2.

    Source: freqlens.

    Example:
        >>> err = CheckpointError('weights.pt is not a state dict')
        >>> isinstance(err, FreqlensError), isinstance(err, FreqlensError), str(err)
        (True, True, 'weights.pt is not a state dict')
    """


class MissingDependencyError(FreqlensError, ImportError):
    """An optional extra (torchvision, imagecorruptions, lightning) is needed but not installed.

    Also an ``ImportError``.

    Args:
        message: one line naming the bad value (or missing thing) and the fix.

    Attributes:
        args: ``(message,)``, as for every exception.

    Raises:
        Nothing: it is what freqlens raises; the CLI prints its message and exits with status 2.

    Source: freqlens.

    Example:
        >>> err = MissingDependencyError('install the lightning extra: pip install freqlens[lightning]')
        >>> isinstance(err, FreqlensError), isinstance(err, ImportError), str(err)
        (True, True, 'install the lightning extra: pip install freqlens[lightning]')
    """
