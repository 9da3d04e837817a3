"""render_report: one self-contained page (inline CSS, figures as base64 PNG, no scripts, no links out), a table
of contents, and each section failed / skipped / read with its figure, all text escaped."""
import base64
import re
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import pytest

from freqlens.report.html import render_report


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs


def _sections(tmp_path):
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1])
    fig.savefig(tmp_path / "heatmap.png")
    plt.close(fig)
    return [
        {"name": "heatmap", "title": "Fourier heat map", "reading": "Error rises above frequency 3 <of> 4.",
         "figure": "heatmap.png", "caption": "Red: small error & blue: large", "note": "recomputed: new weights",
         "seconds": 1.26},
        {"name": "layers", "title": "Per-layer response", "skipped": "no convolutional layer"},
        {"name": "noise", "title": "Band-limited noise", "failed": "InputError: eps must be > 0"},
    ]


def test_page_is_self_contained_with_the_figure_embedded(tmp_path):
    page = render_report("demo <model>", {"model": "a & b", "images": 8}, _sections(tmp_path), tmp_path)
    parser = _Tags()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags
    assert not [v for k, v in parser.attrs if k in ("src", "href") and v and not v.startswith(("data:", "#"))]
    src = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)">', page)
    assert base64.b64decode(src[1]) == (tmp_path / "heatmap.png").read_bytes()
    assert src[2] == "Red: small error &amp; blue: large"
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert "<title>demo &lt;model&gt;</title>" in page and "<h1>demo &lt;model&gt;</h1>" in page
    assert "<tr><th>model</th><td>a &amp; b</td></tr><tr><th>images</th><td>8</td></tr>" in page


def test_each_section_says_what_happened_and_the_contents_link_to_it(tmp_path):
    page = render_report("r", {}, _sections(tmp_path), tmp_path)
    toc = page[page.index('<nav class="toc"'):page.index("</nav>")]
    assert re.findall(r'href="#(\w+)"', toc) == ["heatmap", "layers", "noise"]
    assert '(skipped)' in toc and '(failed)' in toc
    for name in ("heatmap", "layers", "noise"):
        assert f'<section id="{name}">' in page
    assert '<p class="reading">Error rises above frequency 3 &lt;of&gt; 4.</p>' in page
    assert '<p class="note">Recomputed: new weights.</p>' in page
    assert "1.3 s · numbers in report.json → sections.heatmap" in page
    assert '<p class="skipped">Skipped: no convolutional layer</p>' in page
    assert '<p class="failed">Failed: InputError: eps must be &gt; 0</p>' in page
    assert page.index('id="heatmap"') < page.index('id="layers"') < page.index('id="noise"')


def test_section_names_are_escaped_everywhere(tmp_path):
    page = render_report("r", {}, [{"name": 'x"><script>', "title": "t", "skipped": "s"}], tmp_path)
    assert "<script" not in page


def test_a_section_without_reading_or_missing_figure_raises(tmp_path):
    with pytest.raises(KeyError):
        render_report("r", {}, [{"name": "a", "title": "A"}], tmp_path)
    with pytest.raises(OSError):
        render_report("r", {}, [{"name": "a", "title": "A", "reading": "x", "figure": "missing.png"}], tmp_path)
