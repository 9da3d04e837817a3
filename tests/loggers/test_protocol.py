"""freqlens/loggers/protocol.py: the Logger protocol, image checks and scaling, MemoryLogger and log_result."""
import numpy as np
import pytest

from freqlens.errors import InputError
from freqlens.loggers.protocol import Logger, MemoryLogger, check_image_array, log_result, to_unit_range


def test_check_image_array_accepts_maps_and_rgb_only():
    assert check_image_array("k", [[1, 2], [3, 4]]).dtype == np.float64
    assert check_image_array("k", np.zeros((2, 2, 3))).shape == (2, 2, 3)
    assert check_image_array("k", np.zeros((2, 2, 1))).shape == (2, 2, 1)
    for bad in (np.zeros(4), np.zeros((2, 2, 2)), np.zeros((1, 2, 2, 3))):
        with pytest.raises(InputError, match="image 'heat/err' has shape") as info:
            check_image_array("heat/err", bad)
        assert "\n" not in str(info.value)


def test_to_unit_range_scales_by_the_finite_extremes():
    np.testing.assert_allclose(to_unit_range([2.0, 4.0, np.nan, 3.0, np.inf]), [0, 1, 0, 0.5, 0])
    assert not to_unit_range(np.full((2, 2), 7.0)).any()          # a constant map carries no contrast
    assert not to_unit_range([np.nan, np.nan]).any()


def test_memory_logger_is_a_logger_and_keeps_steps_and_values():
    log = MemoryLogger()
    assert isinstance(log, Logger) and not isinstance(object(), Logger)
    log.log_scalars({"a/b": np.float32(0.5), "c": 2}, step=np.int64(3))
    log.log_scalars({"a/b": 0.25}, step=4)
    assert log.scalars[0] == (3, "a/b", 0.5) and isinstance(log.scalars[1][2], float)
    assert log.series("a/b") == [(3, 0.5), (4, 0.25)]
    log.log_image("img", [[0, 1]], step=1)
    assert log.images[0][0:2] == (1, "img") and log.images[0][2].shape == (1, 2)
    with pytest.raises(InputError, match="'bad'"):
        log.log_image("bad", np.zeros(3), step=1)


def test_log_result_sends_heatmaps_as_arrays_and_finite_numbers_as_scalars():
    from freqlens.probes.heatmap import HeatmapResult

    err = np.arange(16, dtype=float).reshape(4, 4)
    log = MemoryLogger()
    log_result(log, HeatmapResult(error=err, eps=4.0, n_images=2, clean_error=5.0, bounds=None, seed=0), step=7,
               prefix="heatmap/")
    (step, key, arr), = log.images
    assert (step, key) == (7, "heatmap/error") and np.array_equal(arr, err)
    assert (7, "heatmap/clean_error", 5.0) in log.scalars
    assert (7, "heatmap/eps", 4.0) in log.scalars
    with pytest.raises(InputError, match="needs a freqlens Result"):
        log_result(log, {"error": err})
