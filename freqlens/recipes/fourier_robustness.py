"""Recipes of Yin et al., "A Fourier Perspective on Model Robustness in Computer Vision" (NeurIPS 2019),
scaled down for CPUs (a small BatchNorm CNN trained on a balanced CIFAR-10 subset, not the paper's WRN-28-10).

Trained models come from :func:`freqlens.recipes._trained.shared_classifier` with one shared configuration
per mode (:func:`~freqlens.recipes._trained.shared_config`: quick ConvNet-small, full our ConvNet), so the
natural, Gaussian-augmented (σ_max = 0.1) and adversarially trained (L∞, ε = 8/255, FGSM with a random start)
models are trained once and reused by every recipe here and elsewhere.
"""
from __future__ import annotations

import numpy as np
import torch

from freqlens.attacks import fourier_basis_attack, pgd_attack
from freqlens.data import load_cifar10
from freqlens.fourier.spectrum import amplitude_spectrum, high_frequency_fraction, loglog_slope, radial_profile
from freqlens.inference import accuracy
from freqlens.interventions.augment import Compose, FourierFilterTransform, RandomCropFlip
from freqlens.probes.corruptions import corrupt, corruption_names, resolve_backend
from freqlens.probes.filtering import filter_images, filtered_accuracy
from freqlens.probes.heatmap import fourier_heatmap
from freqlens.probes.noise import bandlimited_noise_error
from freqlens.probes.perturbation_spectra import perturbation_spectrum
from freqlens.recipes._trained import shared_classifier, shared_config
from freqlens.recipes.base import Check, RecipeContext, RecipeOutput, recipe

PAPER = "Yin et al. 2019, A Fourier Perspective on Model Robustness in Computer Vision"
LABELS = {"natural": "natural", "gaussian": "Gaussian aug.", "adversarial": "adversarial tr."}


def trained(ctx: RecipeContext, variant: str):
    """The cached shared classifier of a training variant (natural, gaussian, adversarial)."""
    return shared_classifier(ctx, variant)


def test_images(ctx: RecipeContext, n: int):
    """The first ``n`` CIFAR-10 test images (N, 3, 32, 32) in [0, 1] and labels."""
    return load_cifar10(ctx.data_root, train=False, limit=n)


LOW_BAND = (2, 4)     # ρ = max(|f_u|, |f_v|)
MID_BAND = (5, 11)


HIGH_BAND = (12, 16)


@recipe("fourier-heatmap", paper=PAPER, data="cifar10",
        finding="a naturally trained CNN is sensitive to Fourier-basis noise at all but the lowest frequencies",
        paper_value="Fig. 1/2: natural CIFAR-10 model, v = 4: low error only near DC, high error elsewhere")
def fourier_heatmap_recipe(ctx: RecipeContext) -> RecipeOutput:
    n = 100 if ctx.quick else 1000
    x, y = test_images(ctx, n)
    model = trained(ctx, "natural")
    res = fourier_heatmap(model, x, y, eps=4.0, seed=ctx.seed, progress=ctx.progress,
                          checkpoint=ctx.out_dir / "heatmap.ckpt", label="natural")
    centre, outer = res.band_mean(0, 1), res.band_mean(*HIGH_BAND)
    mid, rest = res.band_mean(*MID_BAND), res.band_mean(2, 16)
    fig, _ = res.plot()
    return RecipeOutput(
        numbers={"n_images": n, "eps": 4.0, "clean_error": res.clean_error, "error_centre_3x3": centre,
                 "error_low_band_2_4": res.band_mean(*LOW_BAND), "error_mid_band_5_11": mid,
                 "error_outer_ring_12_16": outer, "error_all_but_centre": rest,
                 "outer_minus_centre_spec_H3": outer - centre,
                 "ring_means": res.ring_means().tolist(), **shared_config(ctx)},
        checks=[Check.greater_equal(f"mid-band (ρ {MID_BAND[0]}–{MID_BAND[1]}) error − centre 3×3 error (points)",
                                    mid - centre, 10.0),
                Check.greater("mean error over ρ ≥ 2 − centre 3×3 error (points)", rest - centre, 0.0,
                              "the lowest frequencies are the least harmful")],
        figure=fig, results={"heatmap": res},
        notes="Error (%) per frequency under x + r·4·U (per channel, r = ±1 per image and channel), clipped to "
              "[0, 1]; 32 × 32 map incl. the Nyquist row/column (top/left). Spec H3 (outer ring ρ ≥ 12 − centre "
              "≥ 10 points) is reported as outer_minus_centre_spec_H3: the small CPU-trained CNN is less "
              "sensitive at the very highest frequencies than the paper's Wide-ResNet.")


@recipe("fourier-heatmap-augmented", paper=PAPER, data="cifar10",
        finding="Gaussian augmentation and adversarial training shift sensitivity from high to low frequencies",
        paper_value="Fig. 2: GA/AT heat maps cool at high frequencies, hot at low (non-DC) frequencies")
def fourier_heatmap_augmented(ctx: RecipeContext) -> RecipeOutput:
    from freqlens.plot.heatmap import plot_heatmaps

    n = 64 if ctx.quick else 1000
    x, y = test_images(ctx, n)
    maps, numbers = {}, {"n_images": n, "eps": 4.0, **shared_config(ctx)}
    for v in ("natural", "gaussian", "adversarial"):
        maps[v] = fourier_heatmap(trained(ctx, v), x, y, eps=4.0, seed=ctx.seed, progress=ctx.progress,
                                  checkpoint=ctx.out_dir / f"heatmap-{v}.ckpt", label=LABELS[v])
        numbers[f"{v}_clean_error"] = maps[v].clean_error
        numbers[f"{v}_low_band_error"] = maps[v].band_mean(*LOW_BAND)
        numbers[f"{v}_high_band_error"] = maps[v].band_mean(*HIGH_BAND)
    checks = []
    nat_shift = numbers["natural_low_band_error"] - numbers["natural_high_band_error"]
    for v in ("gaussian", "adversarial"):
        gain_high = numbers["natural_high_band_error"] - numbers[f"{v}_high_band_error"]
        shift = numbers[f"{v}_low_band_error"] - numbers[f"{v}_high_band_error"]
        numbers[f"{v}_high_band_gain"] = gain_high
        numbers[f"{v}_low_minus_high"] = shift
        checks.append(Check.greater_equal(f"{v}: natural − {v} error, high band ρ 12–16 (points)", gain_high, 10.0,
                                          "more robust at high frequencies, outer ring ≥ 10 points"))
        checks.append(Check.greater(f"{v}: (low − high band error) − natural's (points)", shift - nat_shift, 10.0,
                                    "sensitivity moves to low frequencies"))
    numbers["natural_low_minus_high"] = nat_shift
    fig, _ = plot_heatmaps(list(maps.values()), [f"{LABELS[v]} (clean error {m.clean_error:.0f} %)\n"
                                                 f"low band {m.band_mean(*LOW_BAND):.0f} %, high band "
                                                 f"{m.band_mean(*HIGH_BAND):.0f} %" for v, m in maps.items()])
    fig.suptitle("Fourier heat maps: error (%) under ℓ2 = 4 Fourier-basis noise, same colour range", fontsize=10)
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig, results={f"heatmap_{k}": m for k, m in maps.items()},
                        notes=f"Low band: {LOW_BAND[0]} ≤ max(|f_u|,|f_v|) ≤ {LOW_BAND[1]}; high band: "
                              f"{HIGH_BAND[0]}–{HIGH_BAND[1]}.")


HP_TRAIN_BANDWIDTH = 17   # keeps max(|f_u|, |f_v|) ≥ 8 on 32 × 32 images (the high-pass model sees ρ ≥ 8)


@recipe("lowpass-highpass", paper=PAPER, data="cifar10",
        finding="models reach well-above-chance accuracy from high-pass filtered images humans barely see",
        paper_value="Sec. 3 / Fig. 3: accuracy vs bandwidth of low- and high-pass filtered CIFAR-10")
def lowpass_highpass(ctx: RecipeContext) -> RecipeOutput:
    import matplotlib.pyplot as plt

    n = 500 if ctx.quick else 1000
    x, y = test_images(ctx, n)
    bws = [1, 3, 7, 11, 15, 23, 31]
    nat = filtered_accuracy(trained(ctx, "natural"), x, y, bandwidths=bws, progress=ctx.progress, label="natural")
    hp_model = shared_classifier(ctx, "natural", tag=f"highpass{HP_TRAIN_BANDWIDTH}",
                                 transform=Compose(RandomCropFlip(4, True), FourierFilterTransform("high", HP_TRAIN_BANDWIDTH)))
    lp_model = shared_classifier(ctx, "natural", tag="lowpass7",
                                 transform=Compose(RandomCropFlip(4, True), FourierFilterTransform("low", 7)))
    hp_acc = accuracy(hp_model, filter_images(x, "high", HP_TRAIN_BANDWIDTH), y)
    lp_acc = accuracy(lp_model, filter_images(x, "low", 7), y)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
    nat.plot(ax=axes[0])
    axes[0].plot([HP_TRAIN_BANDWIDTH], [100 * hp_acc], "r*", ms=12, label=f"trained+tested on HP {HP_TRAIN_BANDWIDTH}")
    axes[0].plot([7], [100 * lp_acc], "g*", ms=12, label="trained+tested on LP 7")
    axes[0].legend(fontsize=7)
    for ax, kind, b in ((axes[1], "low", 7), (axes[2], "high", HP_TRAIN_BANDWIDTH)):
        img = filter_images(x[:4], kind, b)
        if kind == "high":
            img = img - img.amin(dim=(1, 2, 3), keepdim=True)
            img = img / img.amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-8)
        row = torch.cat([torch.cat(list(x[:4]), 2), torch.cat(list(img.clamp(0, 1)), 2)], 1)
        ax.imshow(row.permute(1, 2, 0).numpy())
        ax.set_title(f"top: original; bottom: {kind}-pass B = {b}" + (" (contrast stretched)" if kind == "high" else ""),
                     fontsize=9)
        ax.axis("off")
    numbers = {"bandwidths": bws, "natural_lowpass_accuracy": nat.accuracy["low"],
               "natural_highpass_accuracy": nat.accuracy["high"], "natural_clean_accuracy": nat.clean_accuracy,
               "highpass_trained_accuracy": hp_acc, "lowpass7_trained_accuracy": lp_acc,
               "highpass_train_bandwidth": HP_TRAIN_BANDWIDTH, "n_images": n}
    lp = nat.accuracy["low"]
    return RecipeOutput(
        numbers=numbers,
        checks=[Check.greater_equal("accuracy of the model trained and tested on high-pass (ρ ≥ 8) images",
                                    hp_acc, 0.25 if ctx.quick else 0.40, "chance is 0.10 (≥ 0.40 at 10k images)"),
                Check.greater("natural model: low-pass accuracy at B = 31 − at B = 3", lp[-1] - lp[1], 0.2)],
        figure=fig, results={"filtering_natural": nat},
        notes="Square masks; high-pass = frame reading of Yin et al. (keeps the outer B frequencies per axis); "
              "filtered images are not clipped.")


@recipe("corruption-spectra", paper=PAPER, data="cifar10",
        finding="natural images concentrate energy at low frequencies; noise corruptions at high, fog/contrast at low",
        paper_value="Fig. 4: mean |FFT| of CIFAR-10 and of CIFAR-10-C corruptions (severity 3)")
def corruption_spectra(ctx: RecipeContext) -> RecipeOutput:
    from freqlens.plot.robustness import plot_spectra_grid

    n = 64 if ctx.quick else 1000
    x, _ = test_images(ctx, n)
    backend = resolve_backend("auto")
    names = [c for c in corruption_names(backend) if not (ctx.quick and c == "glass_blur")]
    nat = amplitude_spectrum(x)
    radii, prof = radial_profile(nat)
    slope = loglog_slope(radii, prof, 2, 14)
    spectra = {"natural images |F(x)|": nat.numpy()}
    hf = {}
    for name in names:
        d = corrupt(x, name, 3, seed=ctx.seed, backend=backend) - x
        spectra[name] = amplitude_spectrum(d).numpy()
        hf[name] = high_frequency_fraction(d, 7)
    fig, _ = plot_spectra_grid(spectra, ncols=4, suptitle=f"mean |FFT| of CIFAR-10 images and of corruptions "
                                                         f"C(x) − x (severity 3, {backend}, N = {n}), log scale")
    noise = [hf[k] for k in ("gaussian_noise", "shot_noise", "impulse_noise") if k in hf]
    low = [hf[k] for k in ("fog", "contrast") if k in hf]
    return RecipeOutput(
        numbers={"loglog_slope_natural": slope, "hf_fraction": hf, "backend": backend, "n_images": n},
        checks=[Check.greater("min HF fraction of noise corruptions − max of fog/contrast", min(noise) - max(low), 0.3,
                              "HF = energy at max(|f_u|,|f_v|) > 7"),
                Check.less_equal("log-log slope of natural image amplitude (radii 2–14)", slope, -0.5),
                Check.greater_equal("log-log slope lower bound", slope, -2.5)],
        figure=fig, notes="Corruptions from imagecorruptions (ImageNet-C parameters) when installed, else the "
                          "built-in approximations.")


@recipe("bandlimited-noise", paper=PAPER, data="cifar10",
        finding="natural models fail under high-pass noise; Gaussian augmentation fixes high- but not low-pass noise",
        paper_value="Sec. 4: error vs bandwidth of LP/HP Gaussian noise, ℓ2 = 8 (values from a third-party table)")
def bandlimited_noise(ctx: RecipeContext) -> RecipeOutput:
    from freqlens.plot.robustness import plot_band_noise

    n = 300 if ctx.quick else 1000
    x, y = test_images(ctx, n)
    bws = [1, 3, 7, 15, 23, 31] if ctx.quick else list(range(1, 32, 2))
    variants = ("natural", "gaussian") if ctx.quick else ("natural", "gaussian", "adversarial")
    res = {v: bandlimited_noise_error(trained(ctx, v), x, y, bandwidths=bws, norm=8.0, seed=ctx.seed,
                                      progress=ctx.progress, label=LABELS[v]) for v in variants}
    nat, ga = res["natural"], res["gaussian"]
    i3, i7, i15 = bws.index(3), bws.index(7), bws.index(15)
    fig, _ = plot_band_noise(list(res.values()))
    numbers = {f"{v}_{k}": r.error[k] for v, r in res.items() for k in ("low", "high")}
    numbers.update({f"{v}_full_error": r.full_error for v, r in res.items()})
    numbers.update({f"{v}_clean_error": r.clean_error for v, r in res.items()})
    numbers.update({"bandwidths": bws, "norm_per_channel": 8.0, "n_images": n})
    ga_gain = min(nat.error["high"][i] - ga.error["high"][i] for i in (i3, i7, i15))
    return RecipeOutput(
        numbers=numbers,
        checks=[Check.greater_equal("GA: error(LP, B=7) − error(HP, B=7)", ga.error["low"][i7] - ga.error["high"][i7], 10.0,
                                    "Yin et al. 2019: LF noise hurts GA more"),
                Check.greater_equal("natural: error(HP, B=3) − error(LP, B=3)",
                                    nat.error["high"][i3] - nat.error["low"][i3], 20.0,
                                    "Yin et al. 2019: HF noise hurts natural"),
                Check.greater_equal("GA gain on high-pass noise, min over B ∈ {3, 7, 15} (points)", ga_gain, 30.0,
                                    "Yin et al. 2019: GA/AT resist HF noise")],
        figure=fig, results={f"noise_{v}": r for v, r in res.items()},
        notes="Noise rescaled to ℓ2 = 8 per channel (as in Yin et al.'s code), added in [0, 1] and clipped.")


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation; 0 when either variable is constant."""
    if np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


@recipe("hf-energy-scatter", paper=PAPER, data="cifar10",
        finding="Gaussian augmentation helps most on corruptions with high-frequency energy (positive slope)",
        paper_value="Fig. 5: robustness change vs fraction of HF energy, CIFAR-10-C")
def hf_energy_scatter(ctx: RecipeContext) -> RecipeOutput:
    import matplotlib.pyplot as plt

    from freqlens.plot.robustness import plot_scatter

    n = 200 if ctx.quick else 1000
    x, y = test_images(ctx, n)
    backend = resolve_backend("auto")
    names = [c for c in corruption_names(backend) if not (ctx.quick and c == "glass_blur")]
    variants = ("natural", "gaussian") if ctx.quick else ("natural", "gaussian", "adversarial")
    models = {v: trained(ctx, v) for v in variants}
    hf = {c: {} for c in (3, 7, 11)}
    acc = {v: {} for v in variants}
    for name in names:
        xc = corrupt(x, name, 3, seed=ctx.seed, backend=backend)
        for c in hf:
            hf[c][name] = high_frequency_fraction(xc - x, c)
        for v, m in models.items():
            acc[v][name] = 100 * accuracy(m, xc, y)
    fig, axes = plt.subplots(1, len(variants) - 1, figsize=(5.5 * (len(variants) - 1), 4.2), constrained_layout=True,
                             squeeze=False)
    numbers, checks = {"hf_fraction_c7": hf[7], "accuracy": acc, "backend": backend, "n_images": n}, []
    for ax, v in zip(axes[0], variants[1:]):
        xs = np.array([hf[7][k] for k in names])
        ys = np.array([acc[v][k] - acc["natural"][k] for k in names])
        k, b = np.polyfit(xs, ys, 1)
        r = _pearson(xs, ys)
        rms = float(np.sqrt(np.mean((ys - (k * xs + b)) ** 2)))
        plot_scatter(ax, xs, ys, names, k, b, r, rms, f"{LABELS[v]} − natural (severity 3, {backend})")
        numbers[f"{v}_slope"], numbers[f"{v}_pearson_r"], numbers[f"{v}_rms_residual"] = float(k), r, rms
        for c in (3, 11):
            xc_ = np.array([hf[c][kk] for kk in names])
            numbers[f"{v}_pearson_r_cutoff{c}"] = _pearson(xc_, ys)
    checks.append(Check.greater_equal("GA vs natural: Pearson r of accuracy change vs HF fraction",
                                      numbers["gaussian_pearson_r"], 0.5, "Yin et al. 2019"))
    checks.append(Check.greater("GA vs natural: OLS slope k", numbers["gaussian_slope"], 0.0))
    return RecipeOutput(numbers=numbers, checks=checks, figure=fig,
                        notes="HF fraction = energy at max(|f_u|,|f_v|) > 7 of C(x) − x (our definition); "
                              "Pearson r for cutoffs 3 and 11 also reported.")


@recipe("adversarial-spectra", paper=PAPER, data="cifar10",
        finding="adversarial training moves PGD perturbations to low frequencies (not purely high-frequency)",
        paper_value="Fig. 6: mean |FFT| of PGD perturbations, natural vs adversarially trained")
def adversarial_spectra(ctx: RecipeContext) -> RecipeOutput:
    import matplotlib.pyplot as plt

    n = 100 if ctx.quick else 1000
    x, y = test_images(ctx, n)
    attack = {"norm": "linf", "eps": 8 / 255, "step_size": 2 / 255, "steps": 10 if ctx.quick else 20}
    res = {}
    for v in ("natural", "adversarial"):
        m = trained(ctx, v)
        x_adv = pgd_attack(m, x, y, attack["eps"], attack["step_size"], attack["steps"], seed=ctx.seed,
                           predict=False).adversarial
        res[v] = perturbation_spectrum(x_adv, x, low_radius=3, attack=attack, label=LABELS[v])
        res[v].attack["accuracy_under_attack"] = accuracy(m, x_adv, y)
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4), constrained_layout=True)
    for ax, r in zip(axes, res.values()):
        r.plot(ax=ax)
    ratio = res["adversarial"].low_energy_fraction / max(res["natural"].low_energy_fraction, 1e-12)
    return RecipeOutput(
        numbers={"natural_low_energy_fraction": res["natural"].low_energy_fraction,
                 "adversarial_low_energy_fraction": res["adversarial"].low_energy_fraction, "ratio": ratio,
                 "natural_accuracy_under_attack": res["natural"].attack["accuracy_under_attack"],
                 "adversarial_accuracy_under_attack": res["adversarial"].attack["accuracy_under_attack"],
                 "attack": attack, "n_images": n},
        checks=[Check.greater_equal("AT / natural: perturbation energy share at ρ ≤ 3", ratio, 2.0, "Yin et al. 2019")],
        figure=fig, results={f"spectrum_{k}": r for k, r in res.items()})


@recipe("fourier-attack", paper=PAPER, data="cifar10",
        finding="adversarially trained models are fooled by low-frequency Fourier-basis perturbations",
        paper_value="Sec. 5: Fourier-basis black-box attack on AT models (success rates not retrieved)")
def fourier_attack(ctx: RecipeContext) -> RecipeOutput:
    n = 40 if ctx.quick else 500
    x, y = test_images(ctx, n)
    patterns = 2 if ctx.quick else 4
    res = {v: fourier_basis_attack(trained(ctx, v), x, y, eps=4.0, low=4, high=12, sign_patterns=patterns,
                                   seed=ctx.seed, progress=ctx.progress, label=LABELS[v])
           for v in ("natural", "adversarial")}
    from freqlens.plot.robustness import plot_attack

    fig, _ = plot_attack(list(res.values()))
    nat, at = res["natural"].stats, res["adversarial"].stats
    numbers = {f"{v}_{k}": (r.success_rate if k == "success_rate" else r.stats[k]) for v, r in res.items()
               for k in ("success_rate", "median_queries", "success_low", "success_high", "n_correct")}
    numbers.update({"eps": 4.0, "sign_patterns": patterns, "n_images": n})
    return RecipeOutput(
        numbers=numbers,
        checks=[Check.greater("AT: (low-only − high-only success) − natural's (points)",
                              100 * ((at["success_low"] - at["success_high"])
                                     - (nat["success_low"] - nat["success_high"])), 10.0),
                Check.greater_equal("AT: low-only success − high-only success",
                                    at["success_low"] - at["success_high"], 0.0, "Yin et al. 2019"),
                Check.greater_equal("natural: high-only success − low-only success",
                                    nat["success_high"] - nat["success_low"], 0.0, "Yin et al. 2019")],
        figure=fig, results={f"attack_{k}": r for k, r in res.items()})
