"""First-layer kernels as pictures (Wang et al., Fig. 7): one column per output filter, one row per input channel."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_kernel_grid(weights: dict, max_filters: int = 16, title: str | None = None):
    """``weights``: label -> first-layer weight (C_out, C_in, k, k). Each cell is min–max scaled on its own
    (stated in the title); viridis, with a colour bar for the scaled value. Returns (fig, axes)."""
    labels = list(weights)
    blocks = [np.asarray(weights[k].detach().cpu() if hasattr(weights[k], "detach") else weights[k], dtype=float)
              for k in labels]
    cin = max(b.shape[1] for b in blocks)
    nf = min(max_filters, max(b.shape[0] for b in blocks))
    rows = cin * len(blocks)
    fig, axes = plt.subplots(rows, nf, figsize=(0.62 * nf + 1.2, 0.62 * rows + 0.8), squeeze=False)
    im = None
    for bi, (label, w) in enumerate(zip(labels, blocks)):
        for c in range(cin):
            for f in range(nf):
                a = axes[bi * cin + c, f]
                a.set_xticks([])
                a.set_yticks([])
                if f < w.shape[0] and c < w.shape[1]:
                    k = w[f, c]
                    k = (k - k.min()) / max(k.max() - k.min(), 1e-12)
                    im = a.imshow(k, cmap="viridis", vmin=0, vmax=1)
                if f == 0:
                    a.set_ylabel(f"{label}\nch {c}" if c == 0 else f"ch {c}", fontsize=6, rotation=0, ha="right",
                                 va="center")
                if bi == 0 and c == 0:
                    a.set_title(str(f), fontsize=6)
    fig.subplots_adjust(left=0.16, right=0.9, top=0.88, bottom=0.03, wspace=0.08, hspace=0.08)
    if im is not None:
        cax = fig.add_axes([0.92, 0.1, 0.015, 0.75])
        fig.colorbar(im, cax=cax).set_label("weight (min–max per cell)", fontsize=7)
    fig.suptitle(title or "First-layer kernels (columns: filters; rows: input channels; each cell min–max scaled)",
                 fontsize=9)
    return fig, axes
