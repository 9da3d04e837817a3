"""freqlens/device.py: where a model lives, its dtype, the device to run on, and eval mode that restores flags."""
import pytest
import torch
from torch import nn

from freqlens.device import eval_mode, model_device, model_dtype, resolve_device
from freqlens.errors import ConfigError


def test_model_device_and_dtype():
    assert model_device(nn.Linear(2, 2)) == torch.device("cpu")
    assert model_device(nn.ReLU()) == torch.device("cpu")                    # no parameters, no buffers
    assert model_device(nn.BatchNorm1d(3, affine=False)) == torch.device("cpu")   # buffers only
    assert model_dtype(nn.Linear(2, 2).double()) == torch.float64
    assert model_dtype(nn.ReLU()) == torch.float32
    emb = nn.Sequential(nn.Embedding(4, 2).half())
    assert model_dtype(emb) == torch.float16


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device(None).type == expected and resolve_device("auto").type == expected
    with pytest.raises(ConfigError, match="unknown device 'tpu'"):
        resolve_device("tpu")
    with pytest.raises(ConfigError) as info:
        resolve_device("cuda:99")
    assert "\n" not in str(info.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_is_a_one_line_error():
    with pytest.raises(ConfigError, match="CUDA is not available.*--device cpu"):
        resolve_device("cuda")


def test_eval_mode_restores_each_submodule_flag_even_on_error():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(), nn.BatchNorm1d(2))
    net[1].eval()                     # a mixed state: the container trains, the dropout does not
    with eval_mode(net) as m:
        assert m is net and not any(x.training for x in net.modules())
    assert [x.training for x in net.modules()] == [True, True, False, True]
    with pytest.raises(RuntimeError), eval_mode(net):
        raise RuntimeError("boom")
    assert [x.training for x in net.modules()] == [True, True, False, True]


def test_frozen_batchnorm_statistics_normalises_with_the_batch_and_restores_running_statistics():
    from freqlens.device import frozen_batchnorm_statistics

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.BatchNorm2d(2), torch.nn.BatchNorm2d(2, momentum=None))
    net.train()
    _ = net(torch.randn(4, 2, 3, 3))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.randn(8, 2, 3, 3) * 3 + 2
    with frozen_batchnorm_statistics(net):
        out = net(x)
    # normalised with the batch's own statistics (train mode), not the running ones
    assert out.mean((0, 2, 3)).abs().max() < 1e-5 and net.training
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k
    with pytest.raises(RuntimeError, match="inside"), frozen_batchnorm_statistics(net):
        net(x)
        raise RuntimeError("inside")
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k


@pytest.mark.parametrize("name,message", [("xla", "cannot be used by this PyTorch build"),
                                          ("meta", "holds no data")])
def test_devices_torch_parses_but_cannot_run_are_refused_in_one_line(name, message):
    from freqlens.device import resolve_device
    from freqlens.errors import ConfigError

    with pytest.raises(ConfigError, match=message) as info:
        resolve_device(name)
    assert "\n" not in str(info.value)
