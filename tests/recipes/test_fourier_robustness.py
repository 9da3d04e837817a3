"""The Yin et al. recipes on tiny stand-ins: synthetic "band-sensitive" classifiers whose frequency behaviour is
known exactly, so each recipe's check must pass on the model with the claimed property and its null must fail the
same check (status PASS); swapping the null for a model with the property turns the status to FAIL. Slow
end-to-end quick runs on CIFAR-10 are marked slow."""
import functools

import numpy as np
import pytest
import torch
from torch import nn

from freqlens.fourier.grid import chebyshev_radius
from freqlens.recipes import fourier_robustness as fr
from freqlens.recipes.base import RecipeContext, get_recipe, recipe_status, run_recipe

NAMES = ["fourier-heatmap", "fourier-heatmap-augmented", "lowpass-highpass", "corruption-spectra",
         "bandlimited-noise", "hf-energy-scatter", "adversarial-spectra", "fourier-attack"]


class BandSensitive(nn.Module):
    """A 10-class stand-in that answers class 0 unless the input's energy in the band lo ≤ ρ ≤ hi (ρ = max(|f_u|,
    |f_v|)) exceeds ``tau``; then class 1. Differentiable; a dummy linear layer gives it parameters."""

    def __init__(self, lo: int, hi: int, tau: float = 20.0):
        super().__init__()
        self.lo, self.hi, self.tau = lo, hi, tau
        self.scale = nn.Linear(1, 1)  # unused by the output: something for untrained_copy to re-initialise

    def forward(self, x):
        rho = chebyshev_radius(x.shape[-2], x.shape[-1], device=x.device)
        mask = ((rho >= self.lo) & (rho <= self.hi)).to(x.dtype)
        energy = ((torch.fft.fft2(x).abs() ** 2) * mask).sum(dim=(-3, -2, -1)) / (x.shape[-2] * x.shape[-1])
        s = (energy - self.tau) / self.tau
        return torch.cat([-s[:, None], s[:, None], torch.full((x.shape[0], 8), -10.0, dtype=x.dtype)], 1)


class Constant(nn.Module):
    """An input-independent stand-in for an untrained network: always class 0."""

    def __init__(self):
        super().__init__()
        self.w = nn.Linear(1, 1)

    def forward(self, x):
        return torch.cat([torch.ones(x.shape[0], 1), torch.zeros(x.shape[0], 9)], 1)


NATURAL = (2, 16)       # sensitive at every frequency but the lowest
ROBUST = (2, 4)         # Gaussian-augmented / adversarially trained: sensitive at low (non-DC) frequencies only


def _images(ctx, n, size=32):
    """8 flat grey images (no energy outside DC), all of class 0."""
    x = torch.full((8, 3, size, size), 0.5) + torch.linspace(-0.2, 0.2, 8).view(8, 1, 1, 1)
    return x, torch.zeros(8, dtype=torch.long)


def _patch(monkeypatch, variants):
    def model(ctx, variant="natural", *a, **k):
        return variants[variant].eval()

    monkeypatch.setattr(fr, "trained", model)
    monkeypatch.setattr(fr, "shared_classifier", lambda ctx, variant="natural", **k: model(ctx, "natural"))
    monkeypatch.setattr(fr, "test_images", _images)
    monkeypatch.setattr(fr, "untrained_copy", lambda m, seed=0: Constant())
    # the robustness premise is measured with real PGD (tests/recipes/test_trained.py); the stand-ins meet it
    monkeypatch.setattr(fr, "robustness_premise", lambda *a, **k: ({"premise_gap_points": 50.0}, ""))


def _run(name, tmp_path):
    ctx = RecipeContext(quick=True, out_dir=tmp_path / name, progress=False)
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    out = get_recipe(name).run(ctx)
    return out, recipe_status(out.checks, out.controls, out.smoke)


@pytest.fixture
def band_models(monkeypatch):
    variants = {"natural": BandSensitive(*NATURAL), "gaussian": BandSensitive(*ROBUST),
                "adversarial": BandSensitive(*ROBUST), "natural-seed": BandSensitive(*NATURAL)}
    _patch(monkeypatch, variants)
    return variants


SMALL_NATURAL, SMALL_ROBUST = (2, 8), (2, 3)


@pytest.fixture
def small_band_models(monkeypatch):
    """16 × 16 stand-ins (4× fewer Fourier bases): the recipe's bands scaled by 1/2."""
    variants = {"natural": BandSensitive(*SMALL_NATURAL), "gaussian": BandSensitive(*SMALL_ROBUST),
                "adversarial": BandSensitive(*SMALL_ROBUST), "natural-seed": BandSensitive(*SMALL_NATURAL)}
    _patch(monkeypatch, variants)
    monkeypatch.setattr(fr, "test_images", functools.partial(_images, size=16))
    for name, band in (("CENTRE", (0, 1)), ("LOW_BAND", (2, 3)), ("MID_BAND", (4, 5)), ("HIGH_BAND", (6, 8))):
        monkeypatch.setattr(fr, name, band)
    monkeypatch.setattr(fr, "ATTACK_LOW", 3)
    monkeypatch.setattr(fr, "ATTACK_HIGH", 6)
    return variants


def test_all_recipes_registered_with_cifar10_data():
    for name in NAMES:
        rec = get_recipe(name)
        assert rec.data == "cifar10" and rec.paper.startswith("Yin et al.") and rec.finding


def test_fourier_heatmap_passes_on_a_high_frequency_model_and_its_nulls_fail(small_band_models, tmp_path):
    out, status = _run("fourier-heatmap", tmp_path)
    assert out.checks[0].metric.startswith("outer ring (ρ ≥ 6)") and out.checks[0].threshold == 10.0
    assert out.checks[0].value == pytest.approx(100.0)
    assert len(out.controls) == 2 and not any(c.passed for c in out.controls)
    assert status == "PASS"
    assert out.figure.axes[0].images[0].get_cmap().name == "RdBu"
    assert out.figure.axes[0].images[0].get_clim() == (0.1, 1.0)


def test_fourier_heatmap_fails_when_the_model_is_low_frequency_only(small_band_models, tmp_path):
    small_band_models["natural"] = BandSensitive(*SMALL_ROBUST)
    out, status = _run("fourier-heatmap", tmp_path)
    assert not out.checks[0].passed and status == "FAIL"


def test_heatmap_augmented_spec_h5_and_its_nulls(small_band_models, tmp_path):
    out, status = _run("fourier-heatmap-augmented", tmp_path)
    gains = [c for c in out.checks if "outer-ring" in c.metric]
    assert [c.value for c in gains] == [pytest.approx(100.0)] * 2
    assert {c.name for c in out.controls} == {"natural model at another seed in place of the augmented one",
                                              "uniformly more robust model (natural under ε = 2)"}
    assert not any(c.passed for c in out.controls) and status == "PASS"
    # a seed "null" that already has the property: the check no longer discriminates -> FAIL
    small_band_models["natural-seed"] = BandSensitive(*SMALL_ROBUST)
    out, status = _run("fourier-heatmap-augmented", tmp_path / "b")
    assert any(c.passed for c in out.controls) and status == "FAIL"


def test_bandlimited_noise_checks_and_nulls(band_models, tmp_path):
    out, status = _run("bandlimited-noise", tmp_path)
    assert [c.value for c in out.checks] == [pytest.approx(100.0)] * 3
    assert len(out.controls) == 3 and not any(c.passed for c in out.controls) and status == "PASS"


def test_fourier_attack_gates_lower_bounds_and_nulls(small_band_models, tmp_path):
    small_band_models["natural"] = BandSensitive(4, 8)   # no low-frequency vulnerability
    out, status = _run("fourier-attack", tmp_path)
    assert [c.value for c in out.checks] == [pytest.approx(1.0)] * 2
    assert [c.value for c in out.controls] == [pytest.approx(-1.0)] * 2
    assert status == "PASS"
    assert out.numbers["n_images"] == 200   # quick asks for 200 test images (the stand-in has 8)


def test_adversarial_spectra_seed_null(band_models, tmp_path, monkeypatch):
    # PGD on the stand-ins: the band-limited models' gradients live in their band
    out, status = _run("adversarial-spectra", tmp_path)
    ctrl = out.controls[0]
    assert ctrl.name.startswith("natural model at another seed") and ctrl.value == pytest.approx(1.0)
    assert not ctrl.passed
    assert status == ("PASS" if out.checks[0].passed else "FAIL")


def test_lowpass_highpass_controls_are_chance_level(band_models, tmp_path):
    out, status = _run("lowpass-highpass", tmp_path)
    assert out.checks[0].threshold == 0.40                     # the spec's threshold, also at quick size
    names = {c.name for c in out.controls}
    assert "high-pass model scored against permuted labels" in names
    assert status == recipe_status(out.checks, out.controls)


def test_corruption_spectra_on_synthetic_power_law_images(monkeypatch, tmp_path):
    def pink(ctx, n):
        g = torch.Generator().manual_seed(0)
        h = 32
        f = torch.fft.fftfreq(h) * h
        r = torch.sqrt(f[:, None] ** 2 + f[None, :] ** 2).clamp_min(1.0)
        amp = r ** -1.2
        spec = torch.randn(16, 3, h, h, generator=g) * amp + 1j * torch.randn(16, 3, h, h, generator=g) * amp
        x = torch.fft.ifft2(spec).real
        x = (x - x.amin()) / (x.amax() - x.amin())
        return x, torch.zeros(16, dtype=torch.long)

    monkeypatch.setattr(fr, "test_images", pink)
    monkeypatch.setattr(fr, "resolve_backend", lambda b="auto": "builtin")
    out, status = _run("corruption-spectra", tmp_path)
    assert [c.passed for c in out.checks] == [True] * 4
    assert len(out.controls) == 4 and not any(c.passed for c in out.controls)
    assert status == "PASS"


def test_hf_energy_scatter_permutation_null_with_few_corruptions(band_models, tmp_path, monkeypatch):
    monkeypatch.setattr(fr, "resolve_backend", lambda b="auto": "builtin")
    out, status = _run("hf-energy-scatter", tmp_path)
    by = {c.name: c for c in out.controls}
    assert by["natural model at another seed in place of GA"].value == pytest.approx(0.0)   # no change at all
    q95 = [c for n, c in by.items() if n.startswith("95th percentile")][0]
    # 7 built-in corruptions: a random pairing reaches r ≈ 0.6 one time in 20, so r ≥ 0.5 cannot be trusted
    assert q95.value > 0.5 and q95.passed and status == "FAIL"


def test_missing_data_is_a_one_line_error(tmp_path):
    from freqlens.errors import DataError

    with pytest.raises(DataError) as info:
        run_recipe("fourier-heatmap", quick=True, out=tmp_path, data_root=str(tmp_path / "nowhere"), progress=False)
    assert "\n" not in str(info.value)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_quick_recipe_end_to_end(name, cifar_root, tmp_path_factory):
    out = tmp_path_factory.getbasetemp() / "fr-runs"  # shared: the trained models are cached once
    payload = run_recipe(name, quick=True, out=out, data_root=str(cifar_root), progress=False)
    assert payload["status"] in ("PASS", "FAIL", "SMOKE") and payload["controls"]
    assert all(np.isfinite(c["value"]) for c in payload["checks"] + payload["controls"])


@pytest.mark.parametrize("name", ["adversarial-spectra", "fourier-heatmap-augmented", "fourier-attack"])
def test_recipes_about_adversarial_training_are_smoke_when_the_adversarial_model_is_not_robust(
        small_band_models, tmp_path, monkeypatch, name):
    reason = "premise not met: the adversarially trained model is not robust"
    monkeypatch.setattr(fr, "robustness_premise", lambda *a, **k: ({"premise_gap_points": 1.0}, reason))
    out, status = _run(name, tmp_path)
    assert status == "SMOKE" and out.smoke == reason and out.numbers["premise_gap_points"] == 1.0


def test_lowpass_highpass_quick_trains_only_the_gated_high_pass_model(band_models, tmp_path, monkeypatch):
    calls, trained = [], fr.filter_trained_model
    monkeypatch.setattr(fr, "filter_trained_model",
                        lambda ctx, kind, bw: calls.append((kind, bw)) or trained(ctx, kind, bw))
    out, _ = _run("lowpass-highpass", tmp_path)
    assert calls == [("high", fr.HP_TRAIN_BANDWIDTH)] and out.numbers["lowpass7_trained_accuracy"] is None
    assert [d.what for d in out.deviations] == ["low-pass-trained model (LP 7)"]
    assert out.deviations[0].decided == "after"
