"""freqlens/normalization.py: normalize= as a callable or (mean, std), or read from a timm-style pretrained_cfg."""
import warnings

import pytest
import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.models.wrappers import Normalize
from freqlens.normalization import model_input_config, resolve_normalize
from freqlens.notices import FreqlensNotice


def _timm_like(**cfg):
    m = nn.Linear(2, 2)
    m.pretrained_cfg = cfg
    return m


def test_model_input_config_reads_pretrained_then_default_cfg_and_wrapped_models():
    m = _timm_like(mean=(0.5,), std=(0.25,), input_size=(1, 8, 8), crop_pct=0.9, url="x")
    assert model_input_config(m) == {"mean": (0.5,), "std": (0.25,), "input_size": (1, 8, 8), "crop_pct": 0.9}
    old = nn.Linear(2, 2)
    old.default_cfg = {"mean": (0.1,), "std": (0.2,)}
    assert model_input_config(old) == {"mean": (0.1,), "std": (0.2,)}

    class Wrapper(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.model = inner

    assert model_input_config(Wrapper(m))["std"] == (0.25,)
    assert model_input_config(nn.Sequential(nn.Identity(), m))["mean"] == (0.5,)
    # a model that already normalises its input carries no default
    assert model_input_config(nn.Sequential(Normalize([0.5], [0.25]), m)) is None
    assert model_input_config(nn.Linear(2, 2)) is None


def test_resolve_normalize_from_arguments_and_from_the_model_with_one_notice():
    f = resolve_normalize(((0.5,), (0.25,)))
    assert f(torch.ones(1, 1, 2, 2)).unique().tolist() == [2.0]
    g = lambda x: x * 3  # noqa: E731
    assert resolve_normalize(g) is g
    assert resolve_normalize(None) is None and resolve_normalize(None, nn.Linear(2, 2)) is None
    m = _timm_like(mean=(0.5,), std=(0.5,))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = resolve_normalize(None, m)
        second = resolve_normalize(None, m)
    assert first is second and first(torch.zeros(1, 1, 1, 1)).item() == -1.0
    notes = [w for w in caught if w.category is FreqlensNotice]
    assert len(notes) == 1 and "pretrained_cfg mean (0.5,)" in str(notes[0].message)   # once per model
    assert resolve_normalize(False, m) is None and resolve_normalize("none", m) is None
    with pytest.raises(InputError):
        resolve_normalize(0.5)
