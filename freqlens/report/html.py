"""A self-contained HTML page: figures embedded as base64 PNG, inline CSS, no scripts, no network."""
from __future__ import annotations

import base64
import html
from pathlib import Path

_CSS = """
body { font-family: system-ui, -apple-system, Segoe UI, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
.meta { color: #555; margin-bottom: 1.5em; }
section { border-top: 1px solid #ddd; padding-top: 1em; margin-top: 1.5em; }
.reading { background: #f3f6fb; border-left: 4px solid #3b6fd6; padding: 0.6em 0.9em; }
img { max-width: 100%; height: auto; display: block; margin: 0.8em 0; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; }
.skipped { color: #8a5a00; }
nav.toc { background: #fafafa; border: 1px solid #e3e3e3; padding: 0.4em 1.2em; margin: 1em 0; }
nav.toc h2 { font-size: 1.1em; margin: 0.4em 0; }
nav.toc .status { color: #777; font-size: 0.85em; }
figure { margin: 0.8em 0; }
figcaption { color: #444; font-style: italic; font-size: 0.92em; }
.note { color: #8a5a00; font-style: italic; }
.failed { color: #b00020; }
"""


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _toc(sections: list[dict]) -> str:
    """The table of contents: one numbered link per section, with skipped/failed marked."""
    items = []
    for s in sections:
        status = " <span class=\"status\">(failed)</span>" if s.get("failed") else (
            " <span class=\"status\">(skipped)</span>" if s.get("skipped") else "")
        items.append(f'<li><a href="#{html.escape(s["name"])}">{html.escape(s["title"])}</a>{status}</li>')
    return f'<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{"".join(items)}</ol></nav>'


def render_report(title: str, meta: dict, sections: list[dict], folder: Path) -> str:
    """The report page as one self-contained HTML text: inline CSS, figures embedded as base64 PNG, no scripts.

    A table of the ``meta`` entries, a table of contents, then one section per entry: "Failed: <reason>",
    "Skipped: <reason>", or the note, the reading, the figure with its caption and the seconds it took. All text is
    HTML-escaped.

    Args:
        title: page title and heading.
        meta: header entries (name → value), shown in order.
        sections: the entries of :attr:`ReportResult.sections`: dicts with ``name``, ``title`` and either
            ``failed``, ``skipped`` (one-line reasons) or ``reading`` with optional ``figure`` (a PNG path relative
            to ``folder``), ``caption``, ``note`` and ``seconds``.
        folder: the report folder the figure paths are relative to.

    Returns:
        The HTML text (ends with a newline).

    Raises:
        OSError: a figure file cannot be read.
        KeyError: an entry lacks ``name``, ``title``, or ``reading`` when it neither failed nor was skipped.

    Source:
        freqlens.

    Example:
        >>> from pathlib import Path
        >>> page = render_report("demo <model>", {"images": 8}, [{"name": "layers", "title": "Per-layer response",
        ...                      "skipped": "no convolutional layer"}], Path("."))
        >>> "<title>demo &lt;model&gt;</title>" in page, "Skipped: no convolutional layer" in page, "<script" in page
        (True, True, False)
    """
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in meta.items())
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
        f"<h1>{html.escape(title)}</h1>", f'<table class="meta">{rows}</table>',
        _toc(sections),
    ]
    for s in sections:
        parts.append(f'<section id="{html.escape(s["name"])}"><h2>{html.escape(s["title"])}</h2>')
        if s.get("failed"):
            parts.append(f'<p class="failed">Failed: {html.escape(s["failed"])}</p>')
        elif s.get("skipped"):
            parts.append(f'<p class="skipped">Skipped: {html.escape(s["skipped"])}</p>')
        else:
            if s.get("note"):
                parts.append(f'<p class="note">{html.escape(s["note"][0].upper() + s["note"][1:])}.</p>')
            parts.append(f'<p class="reading">{html.escape(s["reading"])}</p>')
            if s.get("figure"):
                caption = s.get("caption") or s["title"]
                parts.append(f"<figure>{_img(folder / s['figure'], caption)}"
                             f"<figcaption>{html.escape(caption)}</figcaption></figure>")
            parts.append(f'<p class="meta">{s.get("seconds", 0):.1f} s · numbers in report.json → '
                         f'sections.{html.escape(s["name"])}</p>')
        parts.append("</section>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"
