"""One-line notices: what freqlens changed or assumed on the user's behalf (a conversion, a default).

A notice is a :class:`FreqlensNotice` warning, so library users can filter or record it with :mod:`warnings`;
the CLI prints it as one line ``freqlens: note: ...`` on stderr.
"""
from __future__ import annotations

import warnings


class FreqlensNotice(UserWarning):
    """Something freqlens converted or assumed for the user (e.g. uint8 images scaled to [0, 1]).

    A ``UserWarning`` subclass, so notices can be filtered or recorded with :mod:`warnings`; emit one with
    :func:`notice`.

    Args:
        message: one sentence saying what was converted or assumed.

    Attributes:
        args: ``(message,)``.

    Raises:
        Nothing: it is a warning category.

    Source: freqlens.

    Example:
        >>> issubclass(FreqlensNotice, UserWarning)
        True
    """


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


def one_line_notices(buffer: list[str] | None = None) -> None:
    """Show :class:`FreqlensNotice` warnings as ``freqlens: note: <message>`` on stderr (used by the CLI). With a
    ``buffer`` list the lines are appended to it instead, so the CLI can print them once the command has
    succeeded and keep a failed command's stderr to its one error line.

    Args:
        buffer: where to collect the lines, or ``None`` to print them at once.

    Returns:
        None.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> lines = []
        >>> one_line_notices(lines)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("always")
        ...     notice("x was converted")
        >>> lines
        ['freqlens: note: x was converted']
        >>> one_line_notices()
    """
    previous = getattr(warnings.showwarning, "_previous", warnings.showwarning)

    def show(message, category, filename, lineno, file=None, line=None):
        import sys

        if issubclass(category, FreqlensNotice):
            text = f"freqlens: note: {message}"
            if buffer is not None:
                buffer.append(text)
            else:
                print(text, file=file or sys.stderr)
        else:
            previous(message, category, filename, lineno, file, line)

    show._previous = previous  # type: ignore[attr-defined]
    warnings.showwarning = show
