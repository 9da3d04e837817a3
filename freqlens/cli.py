"""The ``freqlens`` command. Each subcommand lives in its own module under :mod:`freqlens.commands` and
mirrors one public Python function with the same argument names.

Exit status: 0 success (for ``reproduce``: the paper's finding was reproduced), 1 a recipe's check failed,
2 bad input (one line on stderr, no traceback), 130 interrupted.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import shutil
import sys

from freqlens.errors import FreqlensError


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` shows every option's default, unless its help text already says it."""

    def _get_help_string(self, action):
        text = action.help or ""
        store = isinstance(action, argparse._StoreAction)
        if "default" in text.lower() or action.default in (None, False) and not store:
            return text
        if action.default is None:
            return text + " (default: none)"
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other freqlens error (exit status 2); help shows defaults."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _DefaultsFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(2, f"freqlens: error: {self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command module's subcommand registered.

    Every public module of :mod:`freqlens.commands` registers its subcommand(s); usage errors print one line
    and exit with status 2, and ``--help`` shows every option's default.

    Args:
        None.

    Returns:
        The ``argparse.ArgumentParser`` of ``freqlens``; a parsed namespace carries ``func``, the command to run.

    Raises:
        ImportError: a command module fails to import (a bug, not a user error).

    Source: freqlens.

    Example:
        >>> parser = build_parser()
        >>> parser.prog, parser.parse_args(["list"]).command
        ('freqlens', 'list')
    """
    import freqlens.commands as commands

    parser = _Parser(prog="freqlens", description="Explain neural networks from the frequency domain.")
    from freqlens import __version__

    parser.add_argument("--version", action="version", version=f"freqlens {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"freqlens.commands.{info.name}")
        module.register(sub)
    return parser


def _holds_files(folder: str) -> bool:
    return any(files for _, _, files in os.walk(folder))


def main(argv: list[str] | None = None) -> int:
    """Run the ``freqlens`` command with ``argv`` (default ``sys.argv[1:]``); returns the exit status.

    Notices (conversions, assumptions such as an untrained model) are printed as ``freqlens: note:`` lines after
    a successful run; a failed run's stderr is its one error line. A run that fails before writing anything
    into a new ``--out`` folder removes that folder.

    Args:
        argv: the command-line words after ``freqlens``, e.g. ``["heatmap", "--model", "pkg.mod:make"]``.

    Returns:
        The exit status: 0 success (``reproduce``: the finding was reproduced), 1 a recipe's check failed,
        2 bad input (a :class:`~freqlens.errors.FreqlensError`, printed as ``freqlens: error: ...``), 130
        interrupted.

    Raises:
        SystemExit: from argparse, for ``--help``/``--version`` (status 0) and usage errors (status 2, one line).

    Source: freqlens.

    Example:
        >>> try:
        ...     main(["--version"])
        ... except SystemExit as exc:
        ...     print("exit status", exc.code)
        freqlens ...
        exit status 0
    """
    import warnings

    from freqlens.notices import FreqlensNotice, one_line_notices

    notes: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("always", FreqlensNotice)
        one_line_notices(notes)
        code = _main(argv)
    if code != 2:
        for line in dict.fromkeys(notes):
            print(line, file=sys.stderr)
    return code


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = getattr(args, "out", None)
    fresh = out is not None and not os.path.exists(out)
    try:
        code = args.func(args)
    except FreqlensError as exc:
        message = " ".join(str(exc).split())
        print(f"freqlens: error: {message}", file=sys.stderr)
        if fresh and os.path.isdir(out) and not _holds_files(out):
            # a run that failed before writing anything leaves no folder behind; one that already saved work
            # (trained models in cache/, finished probe sections, checkpoints) keeps it, so a rerun resumes
            shutil.rmtree(out, ignore_errors=True)
        return 2
    except KeyboardInterrupt:
        print("freqlens: interrupted (rerun the same command to resume where supported)", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
