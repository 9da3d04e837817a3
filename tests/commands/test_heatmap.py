"""``freqlens heatmap`` on a user's model: factory + weights (weights_only) + .npz data; bad input exits 2."""
import csv

import numpy as np
import pytest
import torch

from freqlens.cli import main
from freqlens.probes.heatmap import HeatmapResult, fourier_heatmap

FACTORY = '''
import torch
from torch import nn

def build():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                         nn.Linear(16, 3))


class TupleOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = build()

    def forward(self, x):
        return x.flatten(1)[:, :5], self.net(x)


def build_tuple():
    return TupleOut()
'''


@pytest.fixture
def user_setup(tmp_path, monkeypatch):
    (tmp_path / "usermodels_hm.py").write_text(FACTORY)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    mod = importlib.import_module("usermodels_hm")
    model = mod.build()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1)
    torch.save(model.state_dict(), tmp_path / "model.pt")
    g = torch.Generator().manual_seed(0)
    images = torch.rand(12, 3, 8, 8, generator=g).numpy()
    labels = torch.randint(0, 3, (12,), generator=g).numpy()
    np.savez(tmp_path / "data.npz", images=images, labels=labels)
    return tmp_path, model, torch.from_numpy(images), torch.from_numpy(labels)


def test_cli_matches_python_function_and_writes_outputs(user_setup, capsys):
    tmp, model, x, y = user_setup
    code = main(["heatmap", "--model", "usermodels_hm:build", "--weights", "model.pt", "--data", "data.npz",
                 "--eps", "2", "--out", "out", "--no-progress", "--device", "cpu"])
    assert code == 0, capsys.readouterr().err
    res = HeatmapResult.load(tmp / "out" / "heatmap.json")
    ref = fourier_heatmap(model, x, y, eps=2.0, progress=False)
    np.testing.assert_array_equal(res.error, ref.error)
    rows = list(csv.DictReader(open(tmp / "out" / "heatmap.csv")))
    assert len(rows) == 64 and {"f_u", "f_v", "error_pct"} <= set(rows[0])
    assert (tmp / "out" / "heatmap.png").stat().st_size > 1000


@pytest.mark.parametrize("extra,message", [
    (["--eps", "0"], "eps must be > 0"),
    (["--eps", "-1"], "eps must be > 0"),
])
def test_cli_bad_eps_exits_2(user_setup, capsys, extra, message):
    code = main(["heatmap", "--model", "usermodels_hm:build", "--data", "data.npz", "--out", "out", "--no-progress"]
                + extra)
    assert code == 2 and message in capsys.readouterr().err


def test_cli_npz_without_expected_arrays_exits_2(user_setup, capsys):
    tmp, *_ = user_setup
    np.savez(tmp / "bad.npz", pixels=np.zeros((2, 3, 8, 8)))
    code = main(["heatmap", "--model", "usermodels_hm:build", "--data", "bad.npz", "--out", "out", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "lacks array" in err and "images" in err and err.count("\n") == 1


def test_cli_wrong_channels_and_weights_exit_2(user_setup, capsys):
    tmp, *_ = user_setup
    np.savez(tmp / "gray.npz", images=np.random.rand(4, 1, 8, 8), labels=np.zeros(4, dtype=np.int64))
    assert main(["heatmap", "--model", "usermodels_hm:build", "--data", "gray.npz", "--out", "o", "--no-progress"]) == 2
    assert "cannot take images" in capsys.readouterr().err
    torch.save({"bogus": torch.zeros(1)}, tmp / "bad.pt")
    assert main(["heatmap", "--model", "usermodels_hm:build", "--weights", "bad.pt", "--data", "data.npz",
                 "--out", "o", "--no-progress"]) == 2
    assert "do not fit" in capsys.readouterr().err


def test_cli_output_selects_a_tuple_item_and_gives_the_plain_numbers(user_setup, capsys):
    tmp, model, x, y = user_setup
    torch.save({f"net.{k}": v for k, v in model.state_dict().items()}, tmp / "tuple.pt")
    code = main(["heatmap", "--model", "usermodels_hm:build_tuple", "--weights", "tuple.pt", "--data", "data.npz",
                 "--eps", "2", "--out", "out_t", "--no-progress", "--device", "cpu", "--output", "1"])
    assert code == 0, capsys.readouterr().err
    res = HeatmapResult.load(tmp / "out_t" / "heatmap.json")
    ref = fourier_heatmap(model, x, y, eps=2.0, progress=False)
    np.testing.assert_array_equal(res.error, ref.error)
    code = main(["heatmap", "--model", "usermodels_hm:build_tuple", "--weights", "tuple.pt", "--data", "data.npz",
                 "--eps", "2", "--out", "out_bad", "--no-progress", "--device", "cpu", "--output", "logits"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "names a key" in err and "\n" not in err


def test_cli_window_budget_and_bf16_write_a_window_sized_map(user_setup, capsys):
    tmp, model, x, y = user_setup
    code = main(["heatmap", "--model", "usermodels_hm:build", "--weights", "model.pt", "--data", "data.npz",
                 "--eps", "2", "--out", "out", "--no-progress", "--device", "cpu", "--window", "2",
                 "--memory-budget", "64M", "--amp", "bf16", "--channels-last"])
    assert code == 0, capsys.readouterr().err
    res = HeatmapResult.load(tmp / "out" / "heatmap.json")
    assert res.error.shape == (5, 5) and np.isfinite(res.error).all() and res.image_size == [8, 8]
    rows = list(csv.DictReader(open(tmp / "out" / "heatmap.csv")))
    assert len(rows) == 25 and {int(r["p"]) for r in rows} == {2, 3, 4, 5, 6}
    assert {int(r["f_u"]) for r in rows} == {-2, -1, 0, 1, 2}
    code = main(["heatmap", "--model", "usermodels_hm:build", "--data", "data.npz", "--out", "out2", "--no-progress",
                 "--memory-budget", "lots"])
    assert code == 2 and "memory budget must be a positive size" in capsys.readouterr().err


def test_cli_quantity_and_per_class_write_the_maps_and_their_tables(user_setup, capsys):
    tmp, model, x, y = user_setup
    code = main(["heatmap", "--model", "usermodels_hm:build", "--weights", "model.pt", "--data", "data.npz",
                 "--eps", "2", "--out", "out", "--no-progress", "--device", "cpu", "--window", "1",
                 "--quantity", "feature_change:2", "--per-class"])
    assert code == 0, capsys.readouterr().err
    assert "mean ‖Δ features‖₂ at 2" in capsys.readouterr().out
    res = HeatmapResult.load(tmp / "out" / "heatmap.json")
    ref = fourier_heatmap(model, x, y, eps=2.0, window=1, quantity="feature_change:2", per_class=True, progress=False)
    np.testing.assert_allclose(res.error, ref.error, atol=1e-9)
    rows = list(csv.DictReader(open(tmp / "out" / "heatmap.csv")))
    assert len(rows) == 9 and {r["quantity"] for r in rows} == {"feature_change:2"} and "value" in rows[0]
    per = list(csv.DictReader(open(tmp / "out" / "heatmap_per_class.csv")))
    assert len(per) == 9 * sum(c > 0 for c in res.class_counts) and {"class", "value"} <= set(per[0])
    assert (tmp / "out" / "heatmap_per_class.png").stat().st_size > 1000


@pytest.mark.parametrize("quantity,message", [("accuracy", "unknown quantity 'accuracy'"),
                                              ("feature_change:layer9", "no module named 'layer9'")])
def test_cli_bad_quantity_exits_2_with_one_line(user_setup, capsys, quantity, message):
    code = main(["heatmap", "--model", "usermodels_hm:build", "--data", "data.npz", "--out", "out", "--no-progress",
                 "--quantity", quantity])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and "\n" not in err


def test_cli_per_class_titles_name_the_image_folders_classes(user_setup, capsys, monkeypatch):
    from PIL import Image

    import freqlens.plot.style as style

    tmp = user_setup[0]
    rng = np.random.default_rng(0)
    for cls in ("bee", "cat", "dog"):
        (tmp / "imgs" / cls).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(tmp / "imgs" / cls / f"{i}.png")
    titles = {}
    real = style.save_figure
    monkeypatch.setattr(style, "save_figure", lambda fig, path, **kw: (
        titles.__setitem__(path.name, [ax.get_title() for ax in fig.axes]), real(fig, path, **kw))[1])
    code = main(["heatmap", "--model", "usermodels_hm:build", "--data", str(tmp / "imgs"), "--eps", "2",
                 "--out", "out", "--no-progress", "--window", "1", "--per-class"])
    assert code == 0, capsys.readouterr().err
    shown = " ".join(titles["heatmap_per_class.png"])
    assert all(name in shown for name in ("bee", "cat", "dog")) and "class 0" not in shown


def test_cli_inverted_colour_range_exits_2_before_computing(user_setup, capsys):
    tmp = user_setup[0]
    code = main(["heatmap", "--model", "usermodels_hm:build", "--data", "data.npz", "--out", "out", "--no-progress",
                 "--vmin", "2", "--vmax", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "--vmin 2 >= --vmax 1" in err and "\n" not in err
    assert not (tmp / "out" / "heatmap.ckpt").exists()


def test_cli_per_class_keeps_folder_names_with_an_empty_class_and_a_larger_model(user_setup, capsys, monkeypatch):
    from PIL import Image

    import freqlens.plot.style as style

    tmp = user_setup[0]
    (tmp / "usermodels_hm5.py").write_text(FACTORY.replace("nn.Linear(16, 3)", "nn.Linear(16, 5)"))  # 5 outputs
    rng = np.random.default_rng(0)
    for cls in ("bee", "cat", "dog"):
        (tmp / "imgs" / cls).mkdir(parents=True)
        Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(tmp / "imgs" / cls / "0.png")
    (tmp / "imgs" / "eel").mkdir()                           # an empty class folder
    titles = {}
    real = style.save_figure
    monkeypatch.setattr(style, "save_figure", lambda fig, path, **kw: (
        titles.__setitem__(path.name, ([a.get_title() for a in fig.axes], fig._suptitle and fig._suptitle.get_text())),
        real(fig, path, **kw))[1])
    code = main(["heatmap", "--model", "usermodels_hm5:build", "--data", str(tmp / "imgs"), "--eps", "2",
                 "--out", "out", "--no-progress", "--window", "1", "--per-class"])
    assert code == 0, capsys.readouterr().err
    panels, suptitle = titles["heatmap_per_class.png"]
    assert [t for t in panels if t] == ["bee (1 image)", "cat (1 image)", "dog (1 image)"]
    assert suptitle.endswith("no images: class 3, class 4")
    res = HeatmapResult.load(tmp / "out" / "heatmap.json")
    assert res.class_names == ["bee", "cat", "dog"] and len(res.per_class) == 5
    rows = list(csv.DictReader(open(tmp / "out" / "heatmap_per_class.csv")))
    assert {(r["class"], r["class_name"]) for r in rows} == {("0", "bee"), ("1", "cat"), ("2", "dog")}


def test_cli_changed_eps_names_fresh_and_fresh_recomputes(user_setup, capsys):
    tmp, model, x, y = user_setup
    base = ["heatmap", "--model", "usermodels_hm:build", "--weights", "model.pt", "--data", "data.npz", "--out", "out",
            "--no-progress", "--device", "cpu", "--window", "1"]
    assert main(base + ["--eps", "2"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(base + ["--eps", "3"]) == 2
    err = capsys.readouterr().err.strip()
    assert "different configuration" in err and "--fresh" in err and "checkpoint path" not in err and "\n" not in err
    assert main(base + ["--eps", "3", "--fresh"]) == 0
    assert "--fresh: deleted the checkpoint" in capsys.readouterr().err
    res = HeatmapResult.load(tmp / "out" / "heatmap.json")
    ref = fourier_heatmap(model, x, y, eps=3.0, window=1, progress=False)
    assert res.eps == 3.0
    np.testing.assert_array_equal(res.error, ref.error)
