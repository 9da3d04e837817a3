"""The Fourier-basis black-box attack: perturb an image by single Fourier basis images, lowest frequencies first,
and stop at the first misclassification. Query-only (no gradients)."""
from __future__ import annotations

import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.attacks.result import AttackResult, make_result
from freqlens.device import eval_mode, model_device
from freqlens.errors import InputError
from freqlens.fourier.basis import fourier_basis, unique_positions
from freqlens.inference import forward_logits
from freqlens.normalization import NormalizeArg
from freqlens.validation import check_images, check_labels_fit


def _sign_patterns(k: int, channels: int, seed: int) -> torch.Tensor:
    pats = [torch.ones(channels), -torch.ones(channels)]
    g = torch.Generator().manual_seed(seed)
    while len(pats) < k:
        pats.append(torch.randint(0, 2, (channels,), generator=g).float() * 2 - 1)
    return torch.stack(pats[:k])


def fourier_basis_attack(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps: float = 4.0,
                         low: int = 4, high: int = 12, sign_patterns: int = 4, window: int | None = None,
                         bounds: tuple[float, float] | None = (0.0, 1.0), normalize: NormalizeArg = None, seed: int = 0,
                         max_batch: int = 4096, progress: bool = True, label: str = "") -> AttackResult:
    """Query-only attack: per image, try ``x + eps · s ⊙ U_{p,q}`` over the distinct Fourier bases
    ordered by increasing ρ = max(|f_u|, |f_v|) (ties in row-major order), each with ``sign_patterns`` per-channel
    sign vectors (all +1, all −1, then random ones), and stop at the first misclassification. Candidates are
    evaluated in batches on the images that still need them (not yet fooled, or not yet fooled within the low- or
    high-frequency list the candidate belongs to), so the query count of an image is the index of its first
    fooling candidate + 1, exactly as if every candidate were tried on every image. ``eps`` is the ℓ2 norm per
    channel; perturbed images are clipped to ``bounds``.

    Args:
        model: any ``nn.Module`` classifier returning logits (N, classes).
        images: (N, C, H, W) (inside ``bounds`` unless ``bounds`` is None); labels: (N,) int64.
        eps: ℓ2 norm of the perturbation per channel, input units (> 0).
        low: largest ρ counted as low frequency; high: smallest ρ counted as high frequency (cycles per image).
        sign_patterns: per-channel sign vectors tried per basis (≥ 1).
        window: only bases with ρ ≤ window (default: all).
        bounds: clip range of perturbed images, or None for no clipping. normalize: applied right before the model.
        seed: seed of the random sign patterns. max_batch: images × candidates per forward pass.
        progress: progress bar over frequencies. label: name of the model in plots.

    Returns:
        :class:`AttackResult` (``attack="fourier_basis"``) over all N images: adversarials are the first fooling
        candidate (the clean image where none fooled or the image was already misclassified); ``queries`` (N,)
        the queries to the first success (−1: not fooled or not attacked); ``basis_radius`` (N,) the ρ of the
        fooling basis (−1 likewise); ``success_rate`` the fooled fraction of the originally correct images;
        ``stats``: ``median_queries`` (over fooled images), ``success_low`` / ``success_high`` (only candidates
        with ρ ≤ low / ρ ≥ high allowed), ``n_correct``, ``low_minus_high`` (mean over the originally correct
        images of fooled-by-a-low-basis − fooled-by-a-high-basis, paired; 0 without such images) and its standard
        error ``low_minus_high_se`` (1, i.e. uninformative, with fewer than 2 such images).

    Raises:
        InputError: eps ≤ 0, sign_patterns < 1, bad images/labels.
        ModelOutputError: a label outside the model's classes or a model output that is not (N, classes).

    Source:
        Yin, Gontijo Lopes, Shlens, Cubuk, Gilmer, "A Fourier Perspective on Model Robustness in Computer Vision",
        NeurIPS 2019, Sec. 5 (perturbations ε·U_{i,j} with per-channel signs, U_{i,j} the unit-norm Fourier basis
        of Sec. 3).

    Example:
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2))
        >>> x, y = torch.rand(4, 1, 4, 4), torch.tensor([0, 1, 0, 1])
        >>> res = fourier_basis_attack(model, x, y, eps=2.0, low=1, high=2, progress=False)
        >>> res.attack, res.images.shape, 0.0 <= res.success_rate <= 1.0
        ('fourier_basis', torch.Size([4, 1, 4, 4]), True)
    """
    if isinstance(eps, bool) or not eps > 0:
        raise InputError(f"eps must be a positive ℓ2 norm per channel, got {eps!r}")
    if sign_patterns < 1:
        raise InputError(f"sign_patterns must be ≥ 1, got {sign_patterns}")
    check_images(images, labels, bounds)
    dev = model_device(model)
    n, c, h, w = images.shape
    x, y = images.to(dev), labels.to(dev)
    pos = unique_positions(h, w)
    rho = torch.maximum((pos[:, 0] - h // 2).abs(), (pos[:, 1] - w // 2).abs())
    keep = torch.ones_like(rho, dtype=torch.bool) if window is None else rho <= window
    order = torch.nonzero(keep).flatten()
    order = order[torch.argsort(rho[order], stable=True)]
    pats = _sign_patterns(sign_patterns, c, seed).to(dev)
    with eval_mode(model), torch.inference_mode():
        clean = []
        for i in range(0, n, max_batch):
            logits = forward_logits(model, x[i:i + max_batch], normalize)
            check_labels_fit(logits, y)
            clean.append(logits.argmax(1))
        clean_pred = torch.cat(clean)
        correct = torch.nonzero(clean_pred == y).flatten()
        xc, yc = x[correct], y[correct]
        nc = int(correct.numel())
        # first fooling candidate index per image, for all / low-only / high-only candidate lists
        cand_rho = rho[order].repeat_interleave(sign_patterns)             # candidate q = basis i·P + pattern
        first = torch.full((nc,), -1, dtype=torch.long)
        fooled_low = torch.zeros(nc, dtype=torch.bool)
        fooled_high = torch.zeros(nc, dtype=torch.bool)
        per = max(1, max_batch // max(nc, 1))                              # bases per forward pass
        bar = tqdm(total=int(order.numel()), desc="Fourier-basis attack", unit="freq", disable=not progress,
                   leave=False)
        for b0 in range(0, int(order.numel()), per):
            idx = order[b0:b0 + per]
            qidx = b0 * sign_patterns + torch.arange(idx.numel() * sign_patterns)
            r = cand_rho[qidx]
            # an image still needs these candidates only if it is not yet fooled in a list they belong to: the
            # candidates come in increasing ρ, so an earlier success is always the first one (the same result as
            # evaluating every candidate on every image, with far fewer forward passes)
            active = first < 0
            if bool((r <= low).any()):
                active |= ~fooled_low
            if bool((r >= high).any()):
                active |= ~fooled_high
            act = torch.nonzero(active).flatten()
            if act.numel() == 0:
                bar.update(int(idx.numel()))
                continue
            basis = fourier_basis(h, w, pos[idx], device=dev) * float(eps)                # (b, H, W)
            pert = pats[None, :, :, None, None] * basis[:, None, None]                      # (b, P, C, H, W)
            pert = pert.reshape(-1, c, h, w)                                                # (b·P, C, H, W)
            step = max(1, max_batch // pert.shape[0])
            for i0 in range(0, int(act.numel()), step):
                sel = act[i0:i0 + step]
                sel_dev = sel.to(dev)
                cand = xc[sel_dev][None] + pert[:, None]                                    # (b·P, n, C, H, W)
                if bounds is not None:
                    cand = cand.clamp_(*bounds)
                pred = forward_logits(model, cand.reshape(-1, c, h, w), normalize).argmax(1).view(pert.shape[0], -1)
                wrong = (pred != yc[sel_dev][None]).cpu()                                   # (b·P, n)
                fooled_low[sel] |= (wrong & (r <= low)[:, None]).any(0)
                fooled_high[sel] |= (wrong & (r >= high)[:, None]).any(0)
                hit = wrong.any(0)
                firsts = torch.where(hit, wrong.float().argmax(0) + qidx[0], torch.full_like(hit, -1, dtype=torch.long))
                cur = first[sel]
                first[sel] = torch.where((cur < 0) & hit, firsts, cur)
            bar.update(int(idx.numel()))
        bar.close()
        # the first fooling candidate of each fooled image, rebuilt: basis order[q // P], sign pattern q % P
        adv = x.clone()
        fooled = first >= 0
        hit = torch.nonzero(fooled).flatten()
        if hit.numel():
            q = first[hit].to(dev)
            basis = fourier_basis(h, w, pos[order[q.cpu() // sign_patterns]], device=dev) * float(eps)
            pert = pats[q % sign_patterns][:, :, None, None] * basis[:, None]
            cand = xc[hit.to(dev)] + pert
            adv[correct[hit.to(correct.device)]] = cand.clamp(*bounds) if bounds is not None else cand
        adv_pred = torch.cat([forward_logits(model, adv[i:i + max_batch], normalize).argmax(1)
                              for i in range(0, n, max_batch)])
    queries = torch.where(fooled, first + 1, torch.full_like(first, -1))
    radius = torch.where(fooled, cand_rho[first.clamp_min(0)], torch.full_like(first, -1))
    med = float(queries[fooled].double().median()) if bool(fooled.any()) else float("nan")
    denom = max(nc, 1)
    # per image over all N: not attacked (already misclassified) → −1 like not fooled
    all_queries = torch.full((n,), -1, dtype=torch.long)
    all_radius = torch.full((n,), -1, dtype=torch.long)
    all_queries[correct.cpu()] = queries
    all_radius[correct.cpu()] = radius
    success = torch.ones(n, dtype=torch.bool)                  # already misclassified counts as a success
    success[correct.cpu()] = fooled
    params = {"eps": float(eps), "low": int(low), "high": int(high), "sign_patterns": int(sign_patterns),
              "window": window, "bounds": None if bounds is None else [float(b) for b in bounds], "seed": int(seed)}
    # paired per-image comparison of the two candidate lists: mean of (fooled by a low-frequency basis) − (fooled
    # by a high-frequency basis) over the originally correct images, and its standard error
    diff = fooled_low.double() - fooled_high.double()
    # fewer than 2 images: s.e. 1, the largest the difference of two 0/1 rates can need (no confidence at all)
    se = float(diff.std(unbiased=True) / nc ** 0.5) if nc > 1 else 1.0
    stats = {"median_queries": med, "success_low": float(fooled_low.sum()) / denom,
             "success_high": float(fooled_high.sum()) / denom, "n_correct": nc,
             "low_minus_high": float(diff.mean()) if nc else 0.0, "low_minus_high_se": se}
    res = make_result("fourier_basis", images, labels, adv, success=success, clean_pred=clean_pred,
                      adv_pred=adv_pred, params=params, queries=all_queries, basis_radius=all_radius)
    res.stats, res.label = stats, label
    return res


__all__ = ["fourier_basis_attack"]
