"""One-line notices: what freqlens changed or assumed on the user's behalf (a conversion, a default).

A notice is a :class:`FreqlensNotice` warning, so library users can filter or record it with :mod:`warnings`;
the CLI prints it as one line ``freqlens: note: ...`` on stderr.
"""
from __future__ import annotations

import warnings


class FreqlensNotice(UserWarning):
    """Something freqlens converted or assumed for the user (e.g. uint8 images scaled to [0, 1])."""


def notice(message: str, stacklevel: int = 3) -> None:
    """Emit ``message`` as a one-line :class:`FreqlensNotice`.

    Args:
        message: one sentence saying what was converted or assumed, and how to avoid it.
        stacklevel: passed to :func:`warnings.warn`.

    Returns:
        None.

    Raises:
        Nothing (unless warnings are turned into errors).

    Source: freqlens.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as w:
        ...     warnings.simplefilter("always")
        ...     notice("images were uint8; divided by 255")
        >>> str(w[0].message)
        'images were uint8; divided by 255'
    """
    warnings.warn(" ".join(message.split()), FreqlensNotice, stacklevel=stacklevel)


def one_line_notices() -> None:
    """Show :class:`FreqlensNotice` warnings as ``freqlens: note: <message>`` on stderr (used by the CLI).

    Returns:
        None.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> one_line_notices()
    """
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        import sys

        if issubclass(category, FreqlensNotice) or (isinstance(message, Warning) and
                                                    isinstance(message, FreqlensNotice)):
            print(f"freqlens: note: {message}", file=file or sys.stderr)
        else:
            previous(message, category, filename, lineno, file, line)

    if getattr(warnings.showwarning, "_freqlens", False):
        return
    show._freqlens = True  # type: ignore[attr-defined]
    warnings.showwarning = show
