"""Models: MLPs, small CNNs, a CIFAR-size ResNet, normalisation wrappers, and a trained-model cache."""
from freqlens.models.cnn import ConvNet, SmallCNN
from freqlens.models.fast_cifar import FastCifarNet
from freqlens.models.lookup import LookupTable
from freqlens.models.mlp import MLP, make_activation
from freqlens.models.wrappers import InputTransform, Normalize, with_input_transform, with_normalization

__all__ = ["MLP", "SmallCNN", "ConvNet", "FastCifarNet", "LookupTable", "Normalize", "with_normalization",
           "InputTransform", "with_input_transform", "make_activation"]
