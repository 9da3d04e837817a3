"""Draw test accuracy against training seconds for the fast CIFAR-10 trainer, from the JSON files written by
``benchmarks/train_cifar.py`` (quick and/or full size), one panel per size (their time scales differ).

Run: ``PYTHONPATH=. python benchmarks/plot_train_cifar.py [results/train_cifar_quick.json ...] [--out FIG.png]``
(default: every ``benchmarks/results/train_cifar_*.json``, figure ``docs/train_cifar.png``).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TARGETS = {"quick": (0.86, 300.0), "full": (0.93, 60.0)}   # issue 15: accuracy, training-seconds budget


def plot(files: list[Path], out: Path) -> Path:
    """One panel per JSON file: accuracy (plain and with test-time flips) per epoch vs training seconds, with the
    size's target accuracy and time budget drawn as dashed lines. Returns the figure path."""
    runs = [json.loads(Path(f).read_text()) for f in files]
    fig, axes = plt.subplots(1, max(len(runs), 1), figsize=(5.2 * max(len(runs), 1), 3.8), squeeze=False,
                             constrained_layout=True)
    for ax, run in zip(axes[0], runs):
        s = run["train_seconds"]
        ax.plot(s, [100 * a for a in run["accuracy"]], "o-", label="EMA model")
        ax.plot(s, [100 * a for a in run["accuracy_flip"]], "s--", ms=4, label="+ test-time flip")
        acc, budget = TARGETS.get(run["size"], (None, None))
        # the time budget is drawn only where wall time measured the work (CPU time of all threads ≈ wall ×
        # threads); on a shared machine the wall seconds are inflated and the CPU seconds go in the title
        dedicated = run["cpu_seconds"] >= 0.7 * run["wall_seconds"] * max(run.get("threads", 1), 1)
        if acc is not None:
            ax.axhline(100 * acc, color="k", ls=":", lw=1, label=f"target {100 * acc:.0f} %")
            if dedicated:
                ax.axvline(budget, color="r", ls=":", lw=1, label=f"budget {budget:.0f} s")
        w = "×".join(str(v) for v in run["widths"])
        cpu = f"; {run['cpu_seconds']:.0f} CPU s on {run.get('threads', '?')} thread(s) in all"
        eps = run.get("whiten_eps", "?")
        ax.set_title(f"{run['size']} size, widths {w}, whitening eps {eps}{cpu}\n{run['machine'][:60]}", fontsize=8)
        ax.set_xlabel("training seconds, wall (evaluation excluded)" + ("" if dedicated else
                      "\n(machine shared: wall inflated)"))
        ax.set_ylabel("accuracy on the 1 000 test images (%)")
        ax.set_ylim(bottom=max(0, min(100 * min(run["accuracy"], default=0) - 5, 60)))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    return out


def main() -> None:
    here = Path(__file__).parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=here.parent / "docs" / "train_cifar.png")
    args = ap.parse_args()
    files = args.files or sorted((here / "results").glob("train_cifar_*.json"))
    if not files:
        raise SystemExit("no train_cifar_*.json found: run benchmarks/train_cifar.py first")
    print(plot(files, args.out))


if __name__ == "__main__":
    main()
