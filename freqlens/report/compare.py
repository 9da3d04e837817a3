"""Several models side by side: one report per model, then one HTML page with every model's numbers and figures
in columns (heat maps redrawn on one shared colour scale) and one CSV row per model × probe × parameter."""
from __future__ import annotations

import base64
import csv
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from torch import nn

from freqlens.errors import InputError
from freqlens.results import Result, atomic_write_bytes


@dataclass
class ComparisonResult(Result):
    """Several models' reports side by side: where each report is and every number in long form.

    Args:
        labels: the model labels, in column order.
        folders: label → that model's report folder.
        rows: ``[model, probe, parameter, value]`` rows (the lines of compare.csv), parameters named by
            :func:`flatten_numbers`.
        html_path: path of compare.html.

    Attributes:
        The arguments, saved with :meth:`save` and reloaded with :func:`freqlens.load`.

    Raises:
        InputError: from :meth:`plot` (the comparison has one figure per model and section: open compare.html).

    Source:
        freqlens.

    Example:
        >>> r = ComparisonResult(labels=["a", "b"], folders={"a": "cmp/a", "b": "cmp/b"},
        ...                      rows=[["a", "noise", "clean_error", 5.0], ["b", "noise", "clean_error", 7.0]])
        >>> sorted({row[1] for row in r.rows}), r.folders["b"]
        (['noise'], 'cmp/b')
    """

    labels: list[str]
    folders: dict[str, str]
    rows: list = field(default_factory=list)
    html_path: str = ""

    def plot(self, ax=None):  # the comparison has one figure per model and section
        raise InputError("a comparison has one figure per model and section: open compare.html")


def flatten_numbers(numbers, prefix: str = "") -> list[tuple[str, float | str]]:
    """Flatten a section's nested numbers into ``(parameter, value)`` pairs, one per scalar, with the path as name.

    ``{"a": {"b": [1, 2]}}`` → ``[("a/b/0", 1), ("a/b/1", 2)]``: dict keys and list indices joined by ``/``.

    Args:
        numbers: a scalar, or dicts and lists nested to any depth (the ``numbers`` of a report section).
        prefix: prepended to every name (used by the recursion).

    Returns:
        A list of ``(name, value)`` in traversal order.

    Raises:
        RecursionError: ``numbers`` contains itself.

    Source:
        freqlens.

    Example:
        >>> flatten_numbers({"acc": {"r=4": 0.5}, "radii": [1, 2]})
        [('acc/r=4', 0.5), ('radii/0', 1), ('radii/1', 2)]
    """
    out: list[tuple[str, float | str]] = []
    if isinstance(numbers, dict):
        for k, v in numbers.items():
            out += flatten_numbers(v, f"{prefix}{k}/")
    elif isinstance(numbers, (list, tuple)):
        for i, v in enumerate(numbers):
            out += flatten_numbers(v, f"{prefix}{i}/")
    else:
        out.append((prefix.rstrip("/"), numbers))
    return out


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _shared_heatmaps(folders: dict[str, Path]) -> dict[str, str]:
    """Every model's heat map redrawn with one colour range: the common min–max over all models (error maps in
    error-rate units, as :func:`freqlens.plot.heatmap.plot_heatmap` draws them)."""
    from freqlens.results import load

    maps = {}
    for label, folder in folders.items():
        path = folder / "probes" / "heatmap.json"
        if path.exists():
            maps[label] = load(path)
    if not maps:
        return {}
    values = np.concatenate([np.asarray(m.error)[np.isfinite(m.error)] for m in maps.values()])
    error = all(getattr(m, "quantity", "error") == "error" for m in maps.values())
    lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 100.0)
    if error:                                   # plot_heatmap takes error maps' bounds as rates in [0, 1]
        lo, hi = lo / 100.0, hi / 100.0
    def title(label, m):
        what = "error rate" if getattr(m, "quantity", "error") == "error" else m.quantity
        return f"{label}: {what} under Fourier-basis noise, ε = {m.eps:g} (shared colour range)"

    return {label: _png(m.plot(vmin=lo, vmax=hi, title=title(label, m))[0]) for label, m in maps.items()}


def compare(models: dict[str, nn.Module], images, labels=None, out: str | Path = "compare",
            **report_kwargs) -> ComparisonResult:
    """Run :func:`freqlens.report.report` on every model (``<out>/<label>/``) and write ``compare.html`` and
    ``compare.csv``.

    Args:
        models: ``{label: model}``, at least two; labels become folder names and column heads.
        images, labels: as for :func:`freqlens.report.report` (the same data for every model).
        out: output folder.
        report_kwargs: every other keyword of :func:`freqlens.report.report` (probes, eps, window, ...).

    Returns:
        :class:`ComparisonResult` with one row per model × probe × parameter.

    Raises:
        InputError: fewer than two models, or duplicate / unsafe labels.

    Source:
        freqlens.

    Example:
        >>> flatten_numbers({"clean_accuracy": 0.9})      # the CSV's parameter names
        [('clean_accuracy', 0.9)]
    """
    from freqlens.report import report

    if len(models) < 2:
        raise InputError(f"compare needs at least two models, got {len(models)}")
    for label in models:
        if not label or "/" in label or label.startswith("."):
            raise InputError(f"model label {label!r} cannot be a folder name; use letters, digits, - or _")
    out = Path(out)
    folders, entries = {}, {}
    for label, model in models.items():
        folders[label] = out / label
        res = report(model, images, labels, out=folders[label], title=label, **report_kwargs)
        entries[label] = res.sections
    rows = []
    for label, secs in entries.items():
        for s in secs:
            for param, value in flatten_numbers(s.get("numbers") or {}):
                rows.append([label, s["name"], param, value])
    buf = io.StringIO()
    wr = csv.writer(buf)
    wr.writerow(["model", "probe", "parameter", "value"])
    wr.writerows(rows)
    atomic_write_bytes(out / "compare.csv", buf.getvalue().encode())
    page = _render(list(models), entries, folders)
    atomic_write_bytes(out / "compare.html", page.encode("utf-8"))
    return ComparisonResult(labels=list(models), folders={k: str(v) for k, v in folders.items()}, rows=rows,
                            html_path=str(out / "compare.html"))


def _render(labels: list[str], entries: dict[str, list], folders: dict[str, Path]) -> str:
    heat = _shared_heatmaps(folders)
    names = []
    for label in labels:
        for s in entries[label]:
            if s["name"] not in names:
                names.append(s["name"])
    head = "".join(f"<th>{html.escape(lab)}</th>" for lab in labels)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"><title>freqlens comparison</title>',
             "<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ddd;padding:.3em .6em;vertical-align:top}img{max-width:100%}"
             "figcaption{font-style:italic;color:#444}</style></head><body>",
             f"<h1>freqlens comparison of {len(labels)} models</h1>",
             '<nav class="toc"><h2>Contents</h2><ol>' + "".join(
                 f'<li><a href="#{html.escape(n)}">{html.escape(n)}</a></li>' for n in names) + "</ol></nav>"]
    for name in names:
        by = {lab: next((s for s in entries[lab] if s["name"] == name), None) for lab in labels}
        title = next(s["title"] for s in by.values() if s)
        parts.append(f'<section id="{html.escape(name)}"><h2>{html.escape(title)}</h2><table><tr><th></th>{head}</tr>')
        params = []
        for s in by.values():
            for p, _ in flatten_numbers((s or {}).get("numbers") or {}):
                if p not in params:
                    params.append(p)
        for p in params:
            cells = []
            for lab in labels:
                vals = dict(flatten_numbers((by[lab] or {}).get("numbers") or {}))
                v = vals.get(p, "")
                cells.append(f"<td>{v:.4g}</td>" if isinstance(v, float) else f"<td>{html.escape(str(v))}</td>")
            parts.append(f"<tr><th>{html.escape(p)}</th>{''.join(cells)}</tr>")
        figs = []
        for lab in labels:
            s = by[lab]
            if name == "heatmap" and lab in heat:
                figs.append(f'<td><img alt="{html.escape(lab)}" src="data:image/png;base64,{heat[lab]}"></td>')
            elif s and s.get("figure"):
                data = base64.b64encode((folders[lab] / s["figure"]).read_bytes()).decode("ascii")
                figs.append(f'<td><img alt="{html.escape(lab)}" src="data:image/png;base64,{data}"></td>')
            else:
                why = (s or {}).get("skipped") or (s or {}).get("failed") or "not run"
                figs.append(f"<td>{html.escape(why)}</td>")
        parts.append(f"<tr><th>figure</th>{''.join(figs)}</tr></table>")
        caption = next((s.get("caption") for s in by.values() if s and s.get("caption")), "")
        if name == "heatmap":
            caption = (caption + " " if caption else "") + "All heat maps share one colour scale."
        if caption:
            parts.append(f"<figure><figcaption>{html.escape(caption)}</figcaption></figure>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


__all__ = ["ComparisonResult", "compare", "flatten_numbers"]
