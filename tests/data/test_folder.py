"""freqlens/data/folder.py: ImageFolder layout read with Pillow, resized and centre-cropped like timm."""
import numpy as np
import pytest

from freqlens.data.folder import folder_classes, load_image_folder
from freqlens.errors import DataError, InputError


def _write_folder(root, sizes=((20, 12), (12, 20)), mode="RGB", classes=("cat", "dog")):
    from PIL import Image

    rng = np.random.default_rng(0)
    for cls in classes:
        (root / cls).mkdir(parents=True)
        for i, (w, h) in enumerate(sizes):
            shape = (h, w, 3) if mode == "RGB" else (h, w)
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(
                root / cls / f"{i}.{'png' if i % 2 == 0 else 'jpg'}")
    return root


def test_folder_classes_are_the_sorted_subfolders_with_images(tmp_path):
    root = _write_folder(tmp_path / "imgs", sizes=((4, 4),), classes=("zebra", "ant"))
    (root / "empty").mkdir()
    (root / ".hidden").mkdir()
    assert folder_classes(root) == ["ant", "zebra"]
    with pytest.raises(DataError, match="does not exist"):
        folder_classes(tmp_path / "nope")


def test_image_folder_resize_and_centre_crop_like_timm(tmp_path):
    from PIL import Image

    root = _write_folder(tmp_path / "imgs")
    x, y, classes = load_image_folder(root, img_size=8, crop_pct=0.8)
    assert classes == ["cat", "dog"] and x.shape == (4, 3, 8, 8) and y.tolist() == [0, 1, 0, 1]  # round-robin
    assert 0 <= float(x.min()) and float(x.max()) <= 1
    # the rule: shorter side → floor(8 / 0.8) = 10 (bicubic), longer side 20·10/12 → 16, centre 8 × 8
    im = Image.open(root / "cat" / "0.png").convert("RGB").resize((16, 10), Image.BICUBIC).crop((4, 1, 12, 9))
    np.testing.assert_allclose(x[0].permute(1, 2, 0).numpy(), np.asarray(im) / 255.0, atol=1e-6)
    # grayscale folders give one channel; files of different sizes without img_size are refused with the fix
    g = _write_folder(tmp_path / "gray", sizes=((8, 8),), mode="L")
    assert load_image_folder(g)[0].shape == (2, 1, 8, 8)
    with pytest.raises(DataError, match=r"different sizes .*pass --img-size N"):
        load_image_folder(root)
    with pytest.raises(DataError, match="no class sub-folders"):
        load_image_folder(tmp_path / "gray" / "cat")
    with pytest.raises(InputError, match="crop_pct must be in"):
        load_image_folder(root, img_size=8, crop_pct=1.5)


def test_limit_takes_images_round_robin_over_classes_and_bad_sizes_are_refused(tmp_path):
    root = _write_folder(tmp_path / "imgs", sizes=((6, 6), (6, 6), (6, 6)), classes=("a", "b", "c"))
    x, y, classes = load_image_folder(root, limit=4)
    assert y.tolist() == [0, 1, 2, 0] and x.shape == (4, 3, 6, 6)
    with pytest.raises(InputError, match="img_size must be a whole number"):
        load_image_folder(root, img_size=0)
