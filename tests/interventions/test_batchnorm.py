"""recalibrate_batchnorm: a copy whose BN running statistics are the exact mean / variance of the given images'
activations (cumulative average), weights untouched, the original model unchanged, in eval mode."""
import pytest
import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.interventions.batchnorm import recalibrate_batchnorm


def test_running_statistics_equal_the_activation_statistics_of_the_images():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3, momentum=0.5)).eval()
    x = torch.randn(40, 2, 6, 6) * 3 + 1
    with torch.no_grad():
        act = net[0](x)                                     # (40, 3, 4, 4)
    out = recalibrate_batchnorm(net, x, batch_size=10)      # 4 equal batches: the cumulative average is exact
    bn = out[1]
    torch.testing.assert_close(bn.running_mean, act.mean((0, 2, 3)), atol=1e-5, rtol=1e-5)
    per_batch_var = torch.stack([act[i:i + 10].var((0, 2, 3), unbiased=True) for i in range(0, 40, 10)]).mean(0)
    torch.testing.assert_close(bn.running_var, per_batch_var, atol=1e-5, rtol=1e-5)
    assert int(bn.num_batches_tracked) == 4 and bn.momentum == 0.5      # momentum restored
    assert not out.training
    torch.testing.assert_close(out[0].weight, net[0].weight)            # weights untouched


def test_the_original_model_and_its_mode_are_left_alone():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    out = recalibrate_batchnorm(net, torch.randn(10, 3) + 5)
    assert out is not net and net.training
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert not torch.equal(out[1].running_mean, net[1].running_mean)


def test_a_last_batch_of_one_image_is_skipped_and_a_model_without_bn_is_a_copy():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    x = torch.randn(5, 3)
    out = recalibrate_batchnorm(net, x, batch_size=4)       # batches of 4 and 1: BN cannot use one sample
    assert int(out[1].num_batches_tracked) == 1
    with torch.no_grad():
        torch.testing.assert_close(out[1].running_mean, net[0](x[:4]).mean(0))
    plain = nn.Linear(3, 2)
    copy = recalibrate_batchnorm(plain, x)
    assert copy is not plain and torch.equal(copy.weight, plain.weight) and not copy.training


@pytest.mark.parametrize("n,batch", [(0, 250), (4, 1)])
def test_no_images_or_batches_of_one_are_refused(n, batch):
    with pytest.raises(InputError, match="batch_size ≥ 2") as info:
        recalibrate_batchnorm(nn.BatchNorm1d(2), torch.zeros(n, 2), batch_size=batch)
    assert "\n" not in str(info.value)
