"""One report about a user's image classifier: every frequency probe that applies, each with a figure and a
plain-language reading computed from its numbers, in a self-contained ``report.html`` plus ``report.json``.

Call it as ``freqlens.report(model, images, labels, out="report/")`` (this module is callable) or
``from freqlens.report import report``. Each probe's result is saved under ``<out>/probes/`` as soon as it
is done, and the heat map checkpoints as it goes, so an interrupted report resumes where it stopped.

Example::

    >>> import freqlens
    >>> r = freqlens.report(model, images, labels, out="report", normalize=None)   # images (N, C, H, W) in [0, 1]
    >>> r.html_path                      # report/report.html
"""
from __future__ import annotations

import sys
import time
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.device import eval_mode, model_device
from freqlens.errors import ConfigError, FreqlensError
from freqlens.models.wrappers import with_input_transform
from freqlens.probes.common import check_images, forward_logits, gather
from freqlens.report import readings
from freqlens.report.html import render_report
from freqlens.results import Result, atomic_write_bytes

PROBES = ("heatmap", "filtering", "noise", "hfc", "layers", "corruptions", "post_averaging")
DEFAULT_PROBES = ("heatmap", "filtering", "noise", "hfc", "layers")
TITLES = {
    "heatmap": "Fourier heat map: error under single-frequency perturbations",
    "filtering": "Accuracy on low-pass and high-pass filtered images",
    "noise": "Error under band-limited Gaussian noise",
    "hfc": "Accuracy on low- and high-frequency components (LFC / HFC)",
    "layers": "Per-layer frequency response",
    "corruptions": "Corruptions: accuracy against high-frequency energy",
    "post_averaging": "Post-averaging (band-limiting) defense: clean accuracy against radius",
}


@dataclass
class ReportResult(Result):
    """What the report found: per section its reading, numbers, figure file and seconds."""

    title: str
    meta: dict
    sections: list = field(default_factory=list)
    html_path: str = ""

    def plot(self, ax=None):  # the report's figures are per section
        raise FreqlensError("a report has one figure per section: open report.html")


def _model_name(model: nn.Module) -> str:
    inner = model
    while isinstance(inner, nn.Sequential) and len(inner) > 0:  # Sequential(Normalize, Net) → Net
        inner = inner[-1]
    n = sum(p.numel() for p in model.parameters())
    return f"{type(inner).__name__} ({n / 1e3:.0f} k parameters)" if n >= 1000 else f"{type(inner).__name__} ({n} parameters)"


def _save_fig(fig, path: Path) -> str:
    from freqlens.plot.style import save_figure

    save_figure(fig, path)
    return path.name


def _saved(path: Path, result_type, compute):
    """The probe result saved at ``path`` (an interrupted report resumes from it), else compute and save it."""
    if path.exists():
        return result_type.load(path)
    res = compute()
    res.save(path)
    return res


def _corruption_rows(model, x, y, normalize, seed, max_batch, progress) -> list[dict]:
    from freqlens.fourier.spectrum import high_frequency_fraction
    from freqlens.probes.common import probe_accuracy
    from freqlens.probes.corruptions import corrupt, corruption_names

    rows, cutoff = [], max(x.shape[-2:]) / 4 - 1
    for cname in tqdm(corruption_names(), desc="corruptions", disable=not progress, leave=False):
        xc = corrupt(x.cpu(), cname, severity=3, seed=seed)
        rows.append({"name": cname, "hf_fraction": high_frequency_fraction(xc - x.cpu(), cutoff=cutoff),
                     "accuracy": probe_accuracy(model, xc, y, normalize, max_batch)})
    return rows


@dataclass
class CorruptionRows(Result):
    """Accuracy and high-frequency energy fraction per corruption (severity 3)."""

    rows: list

    def plot(self, ax=None):
        from freqlens.plot.style import new_axes

        fig, ax = new_axes(ax, figsize=(6.5, 4.5))
        ax.scatter([r["hf_fraction"] for r in self.rows], [100 * r["accuracy"] for r in self.rows])
        for r in self.rows:
            ax.annotate(r["name"], (r["hf_fraction"], 100 * r["accuracy"]), fontsize=7)
        ax.set_xlabel("high-frequency energy fraction of the corruption")
        ax.set_ylabel("accuracy under the corruption (%)")
        ax.set_title("Corruptions (severity 3): accuracy vs frequency content")
        return fig, ax


def _run_probe(name: str, model, x, y, normalize, bounds, eps, seed, max_batch, progress, out: Path,
               chance: float = 0.1):
    """Runs (or reloads) one probe; returns (result, reading, numbers, figure)."""
    h, w = x.shape[-2:]
    path = out / "probes" / f"{name}.json"
    common = dict(normalize=normalize, progress=progress)
    if name == "heatmap":
        from freqlens.probes.heatmap import HeatmapResult, fourier_heatmap

        res = _saved(path, HeatmapResult, lambda: fourier_heatmap(
            model, x, y, eps=eps, bounds=bounds, max_batch=max_batch, seed=seed,
            checkpoint=out / "probes" / "heatmap.ckpt", **common))
        reading, fig = readings.read_heatmap(res), res.plot()[0]
    elif name == "filtering":
        from freqlens.probes.filtering import FilteringResult, filtered_accuracy

        bws = sorted({b for b in (3, 5, 7, 11, 15, 23, 31, h - 1 if h % 2 == 0 else h) if b <= max(h, w)})
        res = _saved(path, FilteringResult, lambda: filtered_accuracy(
            model, x, y, bandwidths=bws, bounds=bounds, max_batch=max_batch, **common))
        reading, fig = readings.read_filtering(res, chance), res.plot()[0]
    elif name == "noise":
        from freqlens.plot.robustness import plot_band_noise
        from freqlens.probes.noise import BandNoiseResult, bandlimited_noise_error

        res = _saved(path, BandNoiseResult, lambda: bandlimited_noise_error(
            model, x, y, bandwidths=tuple(range(1, max(h, w), 4)), bounds=bounds, seed=seed, max_batch=max_batch,
            **common))
        reading, fig = readings.read_noise(res), plot_band_noise([res])[0]
    elif name == "hfc":
        from freqlens.probes.hfc import HFCAccuracy, lfc_hfc_accuracy

        radii = [round(r * max(h, w) / 32, 2) for r in (4, 8, 12, 16)]
        res = _saved(path, HFCAccuracy, lambda: lfc_hfc_accuracy(
            model, x, y, radii=radii, bounds=bounds, max_batch=max_batch, **common))
        reading, fig = readings.read_hfc(res, chance), res.plot()[0]
    elif name == "layers":
        from freqlens.plot.layers import plot_layer_response
        from freqlens.probes.layers import LayerResponse, layer_frequency_response

        res = _saved(path, LayerResponse, lambda: layer_frequency_response(
            model, image_size=tuple(x.shape[1:]), bounds=bounds, **common))
        reading, fig = readings.read_layers(res), plot_layer_response(res, max_layers=6)[0]
    elif name == "corruptions":
        res = _saved(path, CorruptionRows, lambda: CorruptionRows(
            _corruption_rows(model, x, y, normalize, seed, max_batch, progress)))
        reading, fig = readings.read_corruptions(res.rows), res.plot()[0]
    elif name == "post_averaging":
        from freqlens.probes.defense import RadiusTradeoff, radius_tradeoff

        # radii as ℓ2 norms in input units (the paper's r = 6 on normalised CIFAR-10 is ≈ 1.5 on [0, 1] pixels),
        # scaled with the input dimension
        scale = (x[0].numel() / 3072) ** 0.5
        res = _saved(path, RadiusTradeoff, lambda: radius_tradeoff(
            with_input_transform(model, normalize), x, y, radii=[round(r * scale, 3) for r in (0.375, 0.75, 1.5, 3.0, 6.0)],
            radius_space="input", seed=seed, max_batch=max_batch, progress=progress))
        reading, fig = readings.read_post_averaging(res), res.plot()[0]
    else:
        raise ConfigError(f"unknown probe {name!r}; expected some of {', '.join(PROBES)}")
    return res, reading[0], reading[1], fig


def report(model: nn.Module, images, labels=None, out: str | Path = "report", probes: Sequence[str] = DEFAULT_PROBES,
           normalize: Callable[[torch.Tensor], torch.Tensor] | None = None, bounds: tuple[float, float] = (0.0, 1.0),
           eps: float = 4.0, heatmap_images: int = 200, limit: int | None = 1000, seed: int = 0,
           max_batch: int = 1024, progress: bool = True, title: str | None = None) -> ReportResult:
    """Run the frequency probes that apply to an image classifier and write ``<out>/report.html`` and
    ``report.json``.

    Args:
        model: any ``nn.Module`` mapping images (N, C, H, W) to logits (N, classes).
        images, labels: tensors (images in ``bounds``, before ``normalize``) or a DataLoader of (x, y).
        probes: any of heatmap, filtering, noise, hfc, layers, corruptions, post_averaging. Probes that do not
            apply (e.g. per-layer response of a model without conv layers) are reported as skipped with the reason.
        eps: ℓ2 norm per channel of the heat map's Fourier-basis perturbations (input units, e.g. 4 on [0, 1]).
        heatmap_images: images used by the heat map (its cost is 1 + H·W/2 forward passes per image).
        limit: images used by the other probes.

    A section's result is saved under ``<out>/probes/`` when done; rerunning resumes (delete the folder to recompute).
    """
    unknown = [p for p in probes if p not in PROBES]
    if unknown:
        raise ConfigError(f"unknown probe(s) {unknown}; expected some of {', '.join(PROBES)}")
    x, y = gather(images, labels, limit)
    check_images(x, y, bounds)
    dev = model_device(model)
    with eval_mode(model), torch.inference_mode():
        logits = forward_logits(model, x[:2].to(dev), normalize)
    if int(y.max()) >= logits.shape[1]:
        raise ConfigError(f"model outputs {logits.shape[1]} classes but a label is {int(y.max())}")
    from freqlens.probes.common import probe_accuracy

    clean = probe_accuracy(model, x, y, normalize, max_batch)
    chance = 1.0 / logits.shape[1]
    out = Path(out)
    try:
        (out / "probes").mkdir(parents=True, exist_ok=True)
        (out / "figures").mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"output folder {out} is not writable: {exc.strerror}") from exc
    sections = []
    for name in tqdm(probes, desc="report", disable=not progress):
        start = time.perf_counter()
        xs, ys = (x[:heatmap_images], y[:heatmap_images]) if name == "heatmap" else (x, y)
        try:
            _, reading, numbers, fig = _run_probe(name, model, xs, ys, normalize, bounds, eps, seed, max_batch,
                                                  progress, out, chance)
        except FreqlensError as exc:
            if name in ("heatmap", "filtering", "noise", "hfc"):
                raise
            sections.append({"name": name, "title": TITLES[name], "skipped": " ".join(str(exc).split())})
            continue
        figure = _save_fig(fig, out / "figures" / f"{name}.png")
        sections.append({"name": name, "title": TITLES[name], "reading": reading, "numbers": numbers,
                         "figure": f"figures/{figure}", "seconds": round(time.perf_counter() - start, 2)})
    meta = {"model": _model_name(model), "clean accuracy": f"{100 * clean:.1f} %", "images": int(x.shape[0]),
            "heat-map images": int(min(heatmap_images, len(x))),
            "image size": "×".join(map(str, x.shape[1:])), "bounds": list(bounds), "eps (heat map)": eps,
            "seed": seed, "device": str(dev), "freqlens": __import__("freqlens").__version__}
    if clean < 1.5 * chance:
        meta["warning"] = (f"clean accuracy {100 * clean:.1f} % is near chance ({100 * chance:.0f} %): the model "
                           "has not learned these images, so the readings say little (wrong weights or data?)")
    title = title or f"freqlens report: {_model_name(model)}"
    html_path = out / "report.html"
    atomic_write_bytes(html_path, render_report(title, meta, sections, out).encode("utf-8"))
    result = ReportResult(title=title, meta=meta, sections=sections, html_path=str(html_path))
    result.save(out / "report.json")
    return result


class _CallableModule(types.ModuleType):
    """Lets ``freqlens.report(...)`` call :func:`report` while ``freqlens.report`` stays a package."""

    def __call__(self, *args, **kwargs) -> ReportResult:
        return report(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["report", "ReportResult", "PROBES", "DEFAULT_PROBES"]
