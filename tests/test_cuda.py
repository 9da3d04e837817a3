"""The same probes on a CUDA device give the CPU's answers (up to float rounding), and keep everything on the
model's device. Skipped on machines without CUDA; run on a GPU with ``pytest tests/test_cuda.py``.

Each check runs the CPU and the GPU path on identical inputs and compares. Predictions of a trained model can
flip where two logits nearly tie, so maps and accuracies are compared with a small tolerance in points, and
continuous quantities (components, gains, probabilities) with a relative tolerance.
"""
import numpy as np
import pytest
import torch
from torch import nn

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

CUDA = torch.device("cuda")


def small_cnn(seed: int = 0, classes: int = 10) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                         nn.Linear(128, classes)).eval()


def images_and_labels(n: int = 64, size: int = 16, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=g), torch.randint(0, 10, (n,), generator=g)


def on_both(seed: int = 0):
    cpu = small_cnn(seed)
    gpu = small_cnn(seed).to(CUDA)
    gpu.load_state_dict(cpu.state_dict())
    return cpu, gpu


def test_lfc_hfc_split_matches_cpu_and_stays_on_device():
    from freqlens.fourier.filters import lfc_hfc_split

    x, _ = images_and_labels(8, 32)
    low_cpu, high_cpu = lfc_hfc_split(x, 8.0)
    low_gpu, high_gpu = lfc_hfc_split(x.to(CUDA), 8.0)
    assert low_gpu.device.type == "cuda" and high_gpu.device.type == "cuda"
    torch.testing.assert_close(low_gpu.cpu(), low_cpu, atol=1e-5, rtol=0)
    torch.testing.assert_close((low_gpu + high_gpu).cpu(), x, atol=1e-5, rtol=0)


def test_fourier_heatmap_on_gpu_matches_cpu():
    from freqlens.probes.heatmap import fourier_heatmap

    cpu, gpu = on_both()
    x, y = images_and_labels(48, 12)
    y = cpu(x).argmax(1)  # labels the model gets right, so errors come from the perturbation alone
    a = fourier_heatmap(cpu, x, y, eps=3.0, seed=5, progress=False)
    b = fourier_heatmap(gpu, x, y, eps=3.0, seed=5, progress=False, max_batch=1 << 14)
    assert a.error.shape == b.error.shape == (12, 12)
    # Same signs and bases on both devices; only near-ties may flip (one image = 100/48 ≈ 2.1 points).
    assert np.abs(a.error - b.error).max() <= 2.1 + 1e-6
    assert np.abs(a.error - b.error).mean() < 0.5
    assert a.error.max() > 0  # the probe does something on this model


def test_bandlimited_noise_on_gpu_matches_cpu():
    from freqlens.probes.noise import bandlimited_noise_error

    cpu, gpu = on_both()
    x, _ = images_and_labels(64, 16)
    y = cpu(x).argmax(1)
    a = bandlimited_noise_error(cpu, x, y, bandwidths=(3, 7), norm=4.0, seed=2, progress=False)
    b = bandlimited_noise_error(gpu, x, y, bandwidths=(3, 7), norm=4.0, seed=2, progress=False)
    for kind in a.error:
        assert np.allclose(a.error[kind], b.error[kind], atol=100 / 64 + 1e-6)


def test_lfc_hfc_accuracy_on_gpu_matches_cpu():
    from freqlens.probes.hfc import lfc_hfc_accuracy

    cpu, gpu = on_both()
    x, _ = images_and_labels(64, 32)
    y = cpu(x).argmax(1)
    a = lfc_hfc_accuracy(cpu, x, y, radii=(4, 8), progress=False)
    b = lfc_hfc_accuracy(gpu, x, y, radii=(4, 8), progress=False)
    assert a.clean_accuracy == pytest.approx(1.0) and b.clean_accuracy == pytest.approx(1.0)
    assert np.allclose(a.lfc_accuracy, b.lfc_accuracy, atol=1 / 64 + 1e-9)
    assert np.allclose(a.hfc_accuracy, b.hfc_accuracy, atol=1 / 64 + 1e-9)


def test_layer_frequency_response_on_gpu_matches_cpu():
    from freqlens.probes.layers import layer_frequency_response

    cpu, gpu = on_both()
    a = layer_frequency_response(cpu, image_size=(3, 12, 12), progress=False)
    b = layer_frequency_response(gpu, image_size=(3, 12, 12), progress=False)
    assert a.layer_names == b.layer_names
    np.testing.assert_allclose(b.gain, a.gain, rtol=1e-3, atol=1e-6)
    assert next(gpu.parameters()).device.type == "cuda"  # the probe leaves the model where it was


def test_pgd_on_gpu_respects_the_ball_and_bounds_and_fools_the_model():
    from freqlens.attacks import pgd_attack

    _, gpu = on_both()
    x, _ = images_and_labels(32, 16)
    x = x.to(CUDA)
    y = gpu(x).argmax(1)
    res = pgd_attack(gpu, x, y, eps=0.1, steps=10, seed=0)
    adv = res.adversarial
    assert adv.device.type == "cuda" and res.success.device.type == "cuda"
    assert (adv - x).abs().max() <= 0.1 + 1e-6
    assert adv.min() >= 0 and adv.max() <= 1
    with torch.no_grad():
        assert (gpu(adv).argmax(1) != y).float().mean() > 0.5


def test_post_averaged_on_gpu_matches_cpu_with_the_same_seed():
    from freqlens.interventions.post_averaging import PostAveraged

    cpu, gpu = on_both()
    x, _ = images_and_labels(16, 16)
    a = PostAveraged(cpu, radius=1.0, n_directions=5, seed=3, radius_space="input").eval()
    b = PostAveraged(gpu, radius=1.0, n_directions=5, seed=3, radius_space="input").eval()
    with torch.inference_mode():
        pa, pb = a(x), b(x.to(CUDA))
    assert pb.device.type == "cuda"
    torch.testing.assert_close(pb.sum(1).cpu(), torch.ones(16), atol=1e-5, rtol=0)
    torch.testing.assert_close(pb.cpu(), pa, atol=1e-4, rtol=1e-3)


def test_fit_on_gpu_with_hfc_tracker_learns_and_resumes(tmp_path):
    from freqlens.dynamics.hfc import HFCTracker
    from freqlens.train import fit

    x, _ = images_and_labels(128, 16)
    y = torch.arange(128) % 2
    x[y == 1, 0] *= 0.3  # class 1 has a dark red channel: a rule a CNN learns in a few epochs
    model = small_cnn(0, classes=2)
    tracker = HFCTracker(train=(x, y), radii=(4,))
    history = fit(model, (x, y), 8, loss="cross_entropy", batch_size=32, lr=0.05, device="cuda",
                  callbacks=[tracker], checkpoint=tmp_path / "ck.pt", progress=False,
                  optimizer=lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9))
    assert next(model.parameters()).device.type == "cuda"
    assert history.losses[-1] < history.losses[0]
    curves = tracker.result()
    assert curves.clean_train[-1] > 0.7
    # Resuming a finished run from its checkpoint on the GPU trains nothing more and keeps the history.
    again = small_cnn(0, classes=2)
    tracker2 = HFCTracker(train=(x, y), radii=(4,))
    fit(again, (x, y), 8, loss="cross_entropy", batch_size=32, lr=0.05, device="cuda", callbacks=[tracker2],
        checkpoint=tmp_path / "ck.pt", resume=True, progress=False,
        optimizer=lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9))
    for p, q in zip(model.parameters(), again.parameters()):
        assert torch.equal(p, q)
    np.testing.assert_array_equal(tracker2.result().clean_train, curves.clean_train)


def test_report_runs_on_a_gpu_model(tmp_path):
    import freqlens

    _, gpu = on_both()
    x, _ = images_and_labels(40, 16)
    y = gpu(x.to(CUDA)).argmax(1).cpu()
    result = freqlens.report(gpu, x, y, out=tmp_path / "r", probes=("heatmap", "filtering", "hfc", "layers"),
                             heatmap_images=20, progress=False)
    assert (tmp_path / "r" / "report.html").stat().st_size > 10_000
    assert result is not None


def test_defense_evaluations_run_on_the_gpu_and_keep_their_bookkeeping():
    from freqlens.interventions.post_averaging import PostAveraged
    from freqlens.probes.defense import evaluate_adaptive, evaluate_paper_protocol

    _, gpu = on_both()
    x, _ = images_and_labels(24, 16)
    y = gpu(x.to(CUDA)).argmax(1).cpu()
    y[:4] = (y[:4] + 1) % 10  # four images the base model gets wrong: never attacked
    defended = PostAveraged(gpu, radius=0.5, n_directions=3, seed=0, radius_space="input").eval()
    paper = evaluate_paper_protocol(gpu, defended, x, y, cw_steps=20, cw_binary_search_steps=2, deepfool_steps=20,
                                    linf_budget=0.1)
    for name, summary in paper.attacks.items():
        assert summary["n_attacked"] == 20, name
        assert 0 <= summary["n_counted"] <= summary["n_attacked"], name
    assert paper.attacks["pgd_fixed"]["n_counted"] >= 5  # a fixed-ε PGD (ε = 0.1) fools this untrained model often
    adaptive = evaluate_adaptive(gpu, defended, x, y, eps=0.1, steps=5, square_queries=50, square_images=8)
    assert 0.0 <= adaptive.attacks["eot_pgd"]["defended_accuracy"] <= adaptive.clean_accuracy_defended + 1e-9


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_predict_on_cuda_in_low_precision_and_amp_with_mean_std_and_dict_output(dtype):
    from freqlens.inference import accuracy, predict

    class DictOut(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            return {"features": x.flatten(1)[:, :3], "logits": self.net(x)}

    x, _ = images_and_labels()
    norm = ((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
    ref = predict(small_cnn(), x, normalize=norm)
    y = ref.argmax(1)
    clear = ref.topk(2, 1).values.diff(dim=1).abs()[:, 0] > 0.05
    gpu = DictOut(small_cnn()).to(CUDA, dtype)
    for amp in (False, True):
        got = predict(gpu, x, normalize=norm, amp=amp, device=CUDA)
        assert got.device.type == "cuda" and got.shape == ref.shape
        assert torch.equal(got.argmax(1).cpu()[clear], y[clear])
    assert accuracy(gpu, x, y, normalize=norm) >= float(clear.float().mean())
