"""One matrix of models × probes × input kinds (issue 16): every case gives a result with the right value, or a
one-line FreqlensError where the case cannot work. Tiny 8×8 images, 6 images, small batches: fast."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from models_zoo import Binary, DictOutput, HFStyle, SmallCNN, TinyResNet, TinyViT, float64_cnn
from torch.utils.data import DataLoader, TensorDataset

from freqlens.errors import FreqlensError

N, S = 6, 8
MODELS = {
    "cnn": lambda: SmallCNN(1, 3),
    "resnet": lambda: TinyResNet(1, 3),
    "vit": lambda: TinyViT(1, 3, image_size=S),
    "dict": lambda: DictOutput(1, 3),
    "hf": lambda: HFStyle(1, 3),
    "binary": lambda: Binary(1),
    "float64": lambda: float64_cnn(1, 3),
}
PROBES = ("heatmap", "filtering", "hfc", "noise", "layers", "report")
INPUTS = ("tensor", "dataset", "loader", "npz", "folder")
# cases that cannot work, with the words their one-line error must contain (none today: every case has a value)
EXPECTED_ERRORS: dict[tuple[str, str], str] = {}


def _classes(name: str) -> int:
    return 2 if name == "binary" else 3


def _images(k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Quantised to k/255 so that uint8 files and PNGs give back exactly these floats."""
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (N, 1, S, S), generator=g, dtype=torch.uint8).float() / 255
    return x, torch.arange(N) % k


def _reference_predictions(model, x: torch.Tensor) -> torch.Tensor:
    """The model's own answer, computed by hand: the output tensor, dict["logits"] or .logits; one logit > 0."""
    dtype = next(model.parameters()).dtype
    with torch.no_grad():
        model.eval()
        out = model(x.to(dtype))
    if isinstance(out, dict):
        out = out["logits"]
    return (out[:, 0] > 0).long() if out.shape[1] == 1 else out.argmax(1)


_DATA_CACHE: dict = {}


def _data(kind: str, k: int, tmp: Path):
    x, y = _images(k)
    if kind == "tensor":
        return (x, y)
    if kind == "dataset":
        return (TensorDataset(x, y),)
    if kind == "loader":
        return (DataLoader(TensorDataset(x, y), batch_size=4),)
    from freqlens.data import load_dataset

    key = (kind, k)
    if key not in _DATA_CACHE:
        if kind == "npz":
            path = tmp / f"d{k}.npz"
            np.savez(path, images=(x * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy(), labels=y.numpy())
        else:
            from PIL import Image

            path = tmp / f"folder{k}"
            for i in range(N):
                d = path / f"class{int(y[i])}"
                d.mkdir(parents=True, exist_ok=True)
                Image.fromarray((x[i, 0] * 255).round().to(torch.uint8).numpy(), "L").save(d / f"{i // k:03d}.png")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _DATA_CACHE[key] = load_dataset(str(path))[2:]
    xs, ys = _DATA_CACHE[key]
    assert torch.equal(xs, x) and torch.equal(ys, y)            # the file round trip is exact
    return (xs, ys)


def _run(probe: str, model, data, tmp: Path):
    kw = dict(progress=False)
    if probe == "heatmap":
        from freqlens.probes.heatmap import fourier_heatmap

        r = fourier_heatmap(model, *data, max_batch=64, **kw)
        assert r.error.shape == (S, S) and np.isfinite(r.error).all()
        return 1 - r.clean_error / 100
    if probe == "filtering":
        from freqlens.probes.filtering import filtered_accuracy

        r = filtered_accuracy(model, *data, bandwidths=[3, S], max_batch=4, **kw)
        assert r.accuracy["low"][-1] == pytest.approx(r.clean_accuracy)   # the full band is the image
        return r.clean_accuracy
    if probe == "hfc":
        from freqlens.probes.hfc import lfc_hfc_accuracy

        return lfc_hfc_accuracy(model, *data, radii=[2, 4], max_batch=4, **kw).clean_accuracy
    if probe == "noise":
        from freqlens.probes.noise import bandlimited_noise_error

        r = bandlimited_noise_error(model, *data, bandwidths=[1, 5], max_batch=4, **kw)
        return 1 - r.clean_error / 100
    if probe == "layers":
        from freqlens.inference import gather
        from freqlens.probes.layers import layer_frequency_response

        x, _ = gather(*data)
        r = layer_frequency_response(model, images=x, mode="perturbation", n_images=2, **kw)
        assert len(r.layer_names) >= 2 and np.isfinite(r.gain).all() and (r.gain[0] > 0).all()
        return None
    import freqlens

    r = freqlens.report(model, *data, out=tmp / "report", probes=("hfc",), max_batch=4, **kw)
    assert (tmp / "report" / "report.html").exists()
    return float(r.meta["clean accuracy"].split(" %")[0]) / 100


CASES = [(m, p, i) for m in MODELS for p in PROBES for i in INPUTS]


def test_matrix_has_at_least_200_cases():
    assert len(CASES) >= 200


@pytest.mark.parametrize("model_name,probe,kind", CASES, ids=["-".join(c) for c in CASES])
def test_case(model_name, probe, kind, tmp_path_factory):
    torch.manual_seed(0)
    model = MODELS[model_name]()
    tmp = tmp_path_factory.getbasetemp()
    k = _classes(model_name)
    data = _data(kind, k, tmp)
    expected_error = EXPECTED_ERRORS.get((model_name, probe))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = _run(probe, model, data, tmp_path_factory.mktemp("case"))
        except FreqlensError as exc:
            msg = str(exc)
            assert "\n" not in msg, msg
            assert expected_error is not None and expected_error in msg, f"unexpected error: {msg}"
            return
    assert expected_error is None, f"expected an error containing {expected_error!r}"
    if value is not None:
        x, y = _images(k)
        truth = float((_reference_predictions(model, x) == y).double().mean())
        assert value == pytest.approx(truth, abs=1e-3 if probe == "report" else 1e-6)
