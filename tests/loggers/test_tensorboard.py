"""freqlens/loggers/tensorboard.py: scalars and images read back from the event files."""
import io

import numpy as np
import pytest

pytest.importorskip("tensorboard")

from PIL import Image  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from freqlens.errors import InputError  # noqa: E402
from freqlens.loggers.tensorboard import TensorBoardLogger  # noqa: E402


def test_scalars_and_min_max_scaled_images_read_back(tmp_path):
    with TensorBoardLogger(tmp_path) as tb:
        tb.log_scalars({"fprinciple/e_low/delta=3": 0.25}, step=2)
        tb.log_scalars({"fprinciple/e_low/delta=3": 0.125}, step=5)
        tb.log_image("heatmap/error", np.array([[10.0, 20.0], [30.0, np.nan]]), step=3)
        with pytest.raises(InputError, match="heatmap/bad"):
            tb.log_image("heatmap/bad", np.zeros(3), step=3)
    acc = EventAccumulator(str(tmp_path), size_guidance={"images": 0, "scalars": 0}).Reload()
    events = acc.Scalars("fprinciple/e_low/delta=3")
    assert [(e.step, e.value) for e in events] == [(2, 0.25), (5, 0.125)]
    (img,) = acc.Images("heatmap/error")
    pixels = np.asarray(Image.open(io.BytesIO(img.encoded_image_string)).convert("L"), dtype=float)
    assert img.step == 3 and pixels.shape == (2, 2)
    # min → 0, max → 255, the middle value halfway, NaN → 0
    np.testing.assert_allclose(pixels, [[0, 127.5], [255, 0]], atol=1)
