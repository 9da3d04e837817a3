"""freqlens/models/imagenet_resnet.py: ResNet-50 as in He et al. 2016, Table 1, with torchvision's parameter names."""
import torch

from freqlens.models.imagenet_resnet import Bottleneck, ImageNetResNet, resnet50


def test_bottleneck_expands_four_times_and_projects_when_needed():
    b = Bottleneck(16, 4)
    assert b.downsample is None and b(torch.zeros(1, 16, 8, 8)).shape == (1, 16, 8, 8)
    b2 = Bottleneck(16, 8, stride=2)
    assert b2.downsample is not None and b2(torch.zeros(1, 16, 8, 8)).shape == (1, 32, 4, 4)


def test_resnet50_has_the_paper_size_and_torchvision_names():
    net = resnet50()
    assert sum(p.numel() for p in net.parameters()) == 25_557_032        # 25.6 M, He et al. Table 1
    keys = net.state_dict().keys()
    assert {"conv1.weight", "layer1.0.conv1.weight", "layer4.2.bn3.running_mean", "fc.weight"} <= set(keys)
    assert [len(getattr(net, f"layer{i}")) for i in range(1, 5)] == [3, 4, 6, 3]


def test_small_resnet_runs_any_size_to_logits():
    net = ImageNetResNet(blocks=(1, 1, 1, 1), num_classes=7, in_channels=1, base=8).eval()
    assert net(torch.zeros(2, 1, 40, 56)).shape == (2, 7)
