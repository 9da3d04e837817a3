"""Generate docs/api.md, the API reference, from the docstrings of every public freqlens module.

Run: ``python docs/build_api.py`` (``make docs``). Public = names in ``__all__`` when a module defines it,
otherwise functions and classes defined in the module whose names do not start with an underscore.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

import freqlens


def public_members(module):
    names = getattr(module, "__all__", None)
    for name, obj in vars(module).items():
        if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if names is not None and name not in names:
            continue
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        yield name, obj


def modules():
    for info in pkgutil.walk_packages(freqlens.__path__, "freqlens."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        # CLI subcommands and recipe modules are documented by `freqlens --help` and the recipe table below
        if info.name.startswith("freqlens.commands") or (
                info.name.startswith("freqlens.recipes.") and info.name != "freqlens.recipes.base"):
            continue
        try:
            yield importlib.import_module(info.name)
        except ImportError:  # optional extras not installed
            continue


def render() -> str:
    out = ["# freqlens API reference", "",
           "Generated from the docstrings by `docs/build_api.py`; do not edit by hand.", ""]
    for mod in sorted(modules(), key=lambda m: m.__name__):
        members = list(public_members(mod))
        doc = inspect.getdoc(mod) or ""
        if not members and not doc:
            continue
        out += [f"## `{mod.__name__}`", "", doc.split("\n\n")[0], ""]
        for name, obj in members:
            try:
                sig = str(inspect.signature(obj))
            except (TypeError, ValueError):
                sig = "(...)"
            kind = "class" if inspect.isclass(obj) else "def"
            # a class's own docstring: inspect.getdoc would fall back to a base class's and hide a missing one
            own = inspect.cleandoc(vars(obj).get("__doc__") or "") if inspect.isclass(obj) else inspect.getdoc(obj)
            out += [f"### `{kind} {name}{sig}`", "", own or "*(no docstring)*", ""]
    from freqlens.recipes import list_recipes

    out += ["## Recipes (`freqlens reproduce NAME`)", "", "| recipe | paper | finding checked | data |", "|---|---|---|---|"]
    out += [f"| {r.name} | {r.paper} | {r.finding} | {r.data} |" for r in list_recipes()]
    return "\n".join(out) + "\n"


def main() -> None:
    target = Path(__file__).with_name("api.md")
    target.write_text(render())
    print(f"wrote {target}")


if __name__ == "__main__":
    sys.exit(main())
