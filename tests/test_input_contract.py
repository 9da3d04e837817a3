"""Every ordinary input works or is refused in one line: data (image folders, Datasets, npz), normalisation,
weights and model files, devices (issue 16)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from freqlens.cli import main
from freqlens.errors import CheckpointError, ConfigError, DataError, InputError
from freqlens.notices import FreqlensNotice

MODEL_PY = '''
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self, num_classes=10, channels=1):
        super().__init__()
        self.conv = nn.Conv2d(channels, 4, 3, padding=1)
        self.head = nn.Linear(4, num_classes)

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)).mean((2, 3)))

def build(num_classes=10, channels=1):
    return Net(num_classes, channels)
'''


@pytest.fixture()
def model_file(tmp_path):
    path = tmp_path / "mymodel.py"
    path.write_text(MODEL_PY)
    return path


def _one_line_error(capsys, argv) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("freqlens: error:")]
    assert code == 2 and len(errors) == 1 and "Traceback" not in "\n".join(err), err
    return errors[0]


# ------------------------------------------------------------------------------------------------- data
def _write_folder(root, sizes=((20, 12), (12, 20)), mode="RGB"):
    from PIL import Image

    rng = np.random.default_rng(0)
    for cls in ("cat", "dog"):
        (root / cls).mkdir(parents=True)
        for i, (w, h) in enumerate(sizes):
            shape = (h, w, 3) if mode == "RGB" else (h, w)
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(
                root / cls / f"{i}.{'png' if i % 2 == 0 else 'jpg'}")
    return root


def test_cli_report_on_image_folder_with_file_model_and_kwargs(tmp_path, model_file, capsys):
    root = _write_folder(tmp_path / "imgs")
    out = tmp_path / "out"
    code = main(["report", "--model", f"{model_file}:build", "--model-kwargs", "num_classes=2", "channels=3",
                 "--data", str(root), "--img-size", "8", "--crop-pct", "0.9", "--probes", "filtering",
                 "--out", str(out), "--no-progress", "--device", "cpu", "--mean", "0.5", "0.5", "0.5", "--std", "0.25",
                 "0.25", "0.25"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "freqlens: note: no --weights" in err and "untrained" in err          # one-line notice
    assert (out / "report.html").exists()


@pytest.mark.parametrize("kind", ["dataset", "dict-dataset", "loader", "iterable-dataset", "pair", "uint8"])
def test_every_probe_takes_any_dataset_or_loader(kind):
    from freqlens.probes.filtering import filtered_accuracy
    from freqlens.probes.heatmap import fourier_heatmap
    from freqlens.probes.hfc import lfc_hfc_accuracy
    from freqlens.probes.noise import bandlimited_noise_error

    torch.manual_seed(0)
    x, y = torch.rand(6, 1, 8, 8), torch.tensor([0, 1, 2, 0, 1, 2])
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten())

    class Dicts(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return {"pixel_values": x[i], "label": int(y[i])}

    class Stream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(zip(x, y))

    data = {"dataset": TensorDataset(x, y), "dict-dataset": Dicts(), "loader": DataLoader(TensorDataset(x, y), 4),
            "iterable-dataset": Stream(), "pair": (x, y)}.get(kind)
    xq = (x * 255).round().to(torch.uint8)
    ref = filtered_accuracy(model, xq.float() / 255 if kind == "uint8" else x, y, bandwidths=[3], progress=False)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        args = (xq, y) if kind == "uint8" else (data,)
        res = filtered_accuracy(model, *args, bandwidths=[3], progress=False)
        assert res.accuracy == ref.accuracy and res.clean_accuracy == ref.clean_accuracy
        assert fourier_heatmap(model, *args, progress=False).error.shape == (8, 8)
        acc = lfc_hfc_accuracy(model, *args, radii=[2], progress=False).clean_accuracy
        assert acc == pytest.approx(ref.clean_accuracy)
        assert bandlimited_noise_error(model, *args, bandwidths=[1, 5], progress=False).n_images == 6
    notes = [str(m.message) for m in w if issubclass(m.category, FreqlensNotice)]
    assert (kind == "uint8") == any("uint8" in n for n in notes)


def test_channels_last_tensor_is_refused_with_the_fix():
    from freqlens.probes.filtering import filtered_accuracy

    with pytest.raises(InputError, match=r"looks channels-last .*images\.permute\(0, 3, 1, 2\)"):
        filtered_accuracy(nn.Linear(1, 1), torch.rand(4, 8, 8, 3), torch.zeros(4, dtype=torch.long), progress=False)


def test_npz_uint8_nhwc_converted_with_notice_and_npy_refused_with_fix(tmp_path):
    from freqlens.data import load_dataset, load_npz_images

    imgs = np.random.default_rng(0).integers(0, 256, (5, 8, 8, 3), dtype=np.uint8)
    np.savez(tmp_path / "d.npz", x=imgs, y=np.arange(5))
    with pytest.warns(FreqlensNotice) as rec:
        x, y = load_npz_images(tmp_path / "d.npz")
    msgs = [str(r.message) for r in rec]
    assert any("channels-last" in m for m in msgs) and any("uint8" in m for m in msgs)
    assert x.shape == (5, 3, 8, 8) and x.dtype == torch.float32
    np.testing.assert_allclose(x.permute(0, 2, 3, 1).numpy(), imgs / 255.0, atol=1e-6)
    np.save(tmp_path / "d.npy", imgs)
    with pytest.raises(DataError, match=r"np\.savez\('data\.npz', images=images, labels=labels\)"):
        load_dataset(str(tmp_path / "d.npy"))
    np.savez(tmp_path / "bad.npz", foo=imgs)
    expected = r"lacks array\(s\) \['images', 'labels'\] \(it holds \['foo'\]\); expected 'images'"
    with pytest.raises(DataError, match=expected):
        load_npz_images(tmp_path / "bad.npz")


# ------------------------------------------------------------------------------------------ normalisation
def test_normalize_takes_mean_std_callable_or_timm_cfg():
    from freqlens.probes.filtering import filtered_accuracy

    torch.manual_seed(0)
    x, y = torch.rand(8, 3, 8, 8), torch.arange(8) % 3
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))
    mean, std = (0.4, 0.5, 0.6), (0.2, 0.25, 0.3)
    m, s = torch.tensor(mean).view(1, 3, 1, 1), torch.tensor(std).view(1, 3, 1, 1)
    with torch.no_grad():
        ref = net((x - m) / s).argmax(1)
    want = float((ref == y).float().mean())
    a = filtered_accuracy(net, x, y, bandwidths=[3], normalize=(mean, std), progress=False).clean_accuracy
    b = filtered_accuracy(net, x, y, bandwidths=[3], normalize=lambda t: (t - m) / s, progress=False).clean_accuracy
    net.pretrained_cfg = {"mean": mean, "std": std, "input_size": (3, 8, 8)}
    with pytest.warns(FreqlensNotice, match="pretrained_cfg mean"):
        c = filtered_accuracy(net, x, y, bandwidths=[3], progress=False).clean_accuracy
    d = filtered_accuracy(net, x, y, bandwidths=[3], normalize=False, progress=False).clean_accuracy
    with torch.no_grad():
        raw = float((net(x).argmax(1) == y).float().mean())
    assert a == b == c == pytest.approx(want) and d == pytest.approx(raw)
    with pytest.raises(InputError, match="normalize has 2 channel values"):
        filtered_accuracy(net, x, y, bandwidths=[3], normalize=((0.5, 0.5), (0.2, 0.2)), progress=False)


def test_post_averaged_takes_the_same_normalize():
    from freqlens.interventions.post_averaging import PostAveraged

    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))
    x = torch.rand(4, 3, 2, 2)
    mean, std = (0.4, 0.5, 0.6), (0.2, 0.25, 0.3)
    a = PostAveraged(net, 0.5, n_directions=2, normalize=(mean, std), seed=0).eval()
    assert torch.allclose(a.input_std.float(), torch.tensor(std))  # std of normalize sets the radius units
    m, s = torch.tensor(mean).view(1, 3, 1, 1), torch.tensor(std).view(1, 3, 1, 1)
    b = PostAveraged(net, 0.5, n_directions=2, normalize=lambda t: (t - m) / s, input_std=std, seed=0).eval()
    with torch.no_grad():
        assert torch.allclose(a(x), b(x), atol=1e-6)


def test_cli_mean_without_std_is_one_line(capsys, model_file):
    line = _one_line_error(capsys, ["heatmap", "--model", f"{model_file}:build", "--data", "digits", "--mean", "0.5",
                                    "--out", "unused"])
    assert "--mean and --std go together" in line


# --------------------------------------------------------------------------------------- weights and models
@pytest.mark.parametrize("layout", ["plain", "state_dict", "model", "lightning", "module-prefix"])
def test_weights_unwrap_common_checkpoint_layouts(tmp_path, layout):
    from freqlens.models.cache import load_weights

    torch.manual_seed(0)
    src = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2, 2))
    sd = src.state_dict()
    payload = {"plain": sd, "state_dict": {"state_dict": sd}, "model": {"model": sd, "optimizer": {}},
               "lightning": {"state_dict": {f"model.{k}": v for k, v in sd.items()}, "epoch": 3,
                             "global_step": 10, "pytorch-lightning_version": "2.0"},
               "module-prefix": {f"module.{k}": v for k, v in sd.items()}}[layout]
    path = tmp_path / ("w.ckpt" if layout == "lightning" else "w.pt")
    torch.save(payload, path)
    torch.manual_seed(1)
    dst = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2, 2))
    load_weights(dst, path)
    assert all(torch.equal(a, b) for a, b in zip(src.state_dict().values(), dst.state_dict().values()))


def test_mismatched_weights_name_missing_and_unexpected_keys(tmp_path):
    from freqlens.models.cache import load_weights

    torch.save({"0.weight": torch.zeros(2, 1, 3, 3), "extra.bias": torch.zeros(1), "2.weight": torch.zeros(5, 2)},
               tmp_path / "w.pt")
    with pytest.raises(CheckpointError) as exc:
        load_weights(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2, 2)), tmp_path / "w.pt")
    msg = str(exc.value)
    assert "\n" not in msg
    assert "missing keys: 0.bias, 2.bias" in msg and "unexpected keys: extra.bias" in msg
    assert "2.weight (5, 2) in the file vs (2, 2) in the model" in msg


def test_torchscript_and_export_files_load_as_models(tmp_path, capsys):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 10)).eval()
    torch.jit.save(torch.jit.script(net), tmp_path / "m.pt")
    torch.export.save(torch.export.export(net, (torch.rand(2, 1, 8, 8),)), tmp_path / "m.pt2")
    from freqlens.commands._common import load_user_model

    x = torch.rand(3, 1, 8, 8)
    for name in ("m.pt", "m.pt2"):
        model = load_user_model(str(tmp_path / name))
        with torch.no_grad():
            assert torch.allclose(model(x), net(x), atol=1e-6)
    assert main(["heatmap", "--model", str(tmp_path / "m.pt"), "--data", "digits", "--limit", "4", "--out",
                 str(tmp_path / "o"), "--no-progress", "--device", "cpu"]) == 0
    assert "untrained" not in capsys.readouterr().err
    torch.save(net.state_dict(), tmp_path / "sd.pt")
    line = _one_line_error(capsys, ["heatmap", "--model", str(tmp_path / "sd.pt"), "--data", "digits", "--out",
                                    str(tmp_path / "o2")])
    assert "neither a TorchScript nor a torch.export model file; a state dict goes to --weights" in line


def test_seed_seeds_the_factory_and_kwargs_reach_it(model_file):
    from freqlens.commands._common import load_user_model
    from freqlens.fingerprint import model_digest

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FreqlensNotice)
        a = load_user_model(f"{model_file}:build", seed=3, kwargs={"num_classes": 4})
        b = load_user_model(f"{model_file}:build", seed=3, kwargs={"num_classes": 4})
        c = load_user_model(f"{model_file}:build", seed=4, kwargs={"num_classes": 4})
    assert a.head.out_features == 4
    assert model_digest(a) == model_digest(b) != model_digest(c)
    with pytest.raises(ConfigError, match=r"calling .*build\(bogus=1\) failed"):
        load_user_model(f"{model_file}:build", kwargs={"bogus": 1})


def test_cli_weights_errors_and_untrained_notice(tmp_path, model_file, capsys):
    torch.save({"state_dict": {"conv.weight": torch.zeros(4, 1, 3, 3)}}, tmp_path / "w.pt")
    line = _one_line_error(capsys, ["heatmap", "--model", f"{model_file}:build", "--weights", str(tmp_path / "w.pt"),
                                    "--data", "digits", "--out", str(tmp_path / "o")])
    assert "missing keys: conv.bias, head.bias, head.weight" in line


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_device_cuda_without_cuda_is_one_line(capsys, model_file, tmp_path):
    line = _one_line_error(capsys, ["report", "--model", f"{model_file}:build", "--data", "digits", "--device", "cuda",
                                    "--out", str(tmp_path / "o")])
    assert "CUDA is not available" in line and "--device cpu" in line


def test_help_shows_every_default(capsys):
    from freqlens.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, p in sub.choices.items():
        text = p.format_help()
        text = text[text.index("options:"):]
        for action in p._actions:
            if action.option_strings and action.help and not isinstance(action.default, bool) \
                    and action.dest not in ("help",) and not action.required:
                opt = action.option_strings[-1]
                block = text[text.index(opt + " "):]
                nxt = block.find("\n  -", 1)
                assert "default" in (block[:nxt] if nxt > 0 else block), f"{name} {opt} shows no default"
