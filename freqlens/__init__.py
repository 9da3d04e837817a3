"""freqlens: explain neural networks from the frequency domain.

Every user-facing function and class is importable as ``freqlens.<name>`` (``freqlens.fourier_heatmap``,
``freqlens.fit``, ``freqlens.load`` ...). The names are resolved lazily from :data:`_PUBLIC` on first use, so
``import freqlens`` stays fast; the submodules stay where they are. ``freqlens.report(model, images, labels)``
calls the report package.
"""
from __future__ import annotations

import importlib

from freqlens.errors import (  # noqa: F401 - re-exported in __all__
    CheckpointError,
    ConfigError,
    DataError,
    FreqlensError,
    InputError,
    MissingDependencyError,
    ModelOutputError,
)

__version__ = "0.1.0"

_ERRORS = ["FreqlensError", "InputError", "ModelOutputError", "ConfigError", "DataError", "CheckpointError",
           "MissingDependencyError"]

#: module -> the public names it provides at the top level (resolved on first attribute access).
_MODULE_NAMES: dict[str, list[str]] = {
    # results
    "freqlens.results": ["load", "Result"],
    # training and the trackers that observe it
    "freqlens.train": ["fit", "FitHistory", "Callback", "PeriodicTracker"],
    "freqlens.dynamics.fprinciple": ["ProjectionTracker", "FilteringTracker", "ProjectionResult", "FilteringHistory",
                                     "projection_errors", "filtering_errors", "choose_delta"],
    "freqlens.dynamics.hfc": ["HFCTracker", "HFCCurves"],
    "freqlens.dynamics.spectral_bias": ["SpectrumTracker", "SpectrumHistory", "SpectralNormTracker",
                                        "SpectralNormHistory", "perturbation_robustness", "PerturbationRobustness"],
    # loggers (TensorBoard / MLflow adapters need their optional extras)
    "freqlens.loggers.protocol": ["Logger", "MemoryLogger", "log_result"],
    "freqlens.loggers.tensorboard": ["TensorBoardLogger"],
    "freqlens.loggers.mlflow_store": ["MLflowLogger"],
    # probes of a trained model
    "freqlens.probes.heatmap": ["fourier_heatmap", "HeatmapResult"],
    "freqlens.probes.feature_spectra": ["feature_spectra", "FeatureSpectra"],
    "freqlens.report.compare": ["compare", "ComparisonResult"],
    "freqlens.probes.filtering": ["filtered_accuracy", "filter_images", "FilteredAccuracy"],
    "freqlens.probes.hfc": ["lfc_hfc_accuracy", "HFCAccuracy", "hfc_examples", "HFCExamples"],
    "freqlens.probes.layers": ["layer_frequency_response", "LayerResponse", "kernel_spectra", "KernelSpectra"],
    "freqlens.probes.noise": ["bandlimited_noise_error", "BandNoiseResult"],
    "freqlens.probes.corruptions": ["corrupt", "corruption_names"],
    "freqlens.probes.defense": ["evaluate_paper_protocol", "evaluate_adaptive", "radius_tradeoff",
                                "DefenseEvaluation", "RadiusTradeoff"],
    "freqlens.probes.perturbation_spectra": ["perturbation_spectrum"],
    # attacks (one package, one AttackResult)
    "freqlens.attacks": ["AttackResult", "pgd_attack", "fgsm", "fgsm_sweep", "minimal_pgd", "deepfool",
                         "carlini_wagner_l2", "square_attack", "eot_pgd", "fourier_basis_attack"],
    # interventions
    "freqlens.interventions.post_averaging": ["PostAveraged", "averaged_predictions"],
    "freqlens.interventions.conv_kernels": ["smooth_conv_kernels", "lowpass_conv_kernels", "conv_kernel_roughness",
                                            "SmoothnessRegularizer", "first_conv"],
    "freqlens.interventions.augment": ["RandomCropFlip", "GaussianNoiseAugmentation", "FourierFilterTransform"],
    "freqlens.interventions.mixup": ["MixUp"],
    "freqlens.interventions.adversarial_training": ["AdversarialExamples"],
    # theory
    "freqlens.theory.lfp": ["lfp_dynamics", "LFPDynamics", "min_fp_norm_interpolation", "MinFPNormSolution"],
    "freqlens.theory.integral_kernels": ["periodic_kernel_flow", "KernelFlowResult"],
    # frequency math
    "freqlens.fourier.grid": ["centered_frequencies", "radial_frequency", "chebyshev_radius"],
    "freqlens.fourier.basis": ["fourier_basis"],
    "freqlens.fourier.filters": ["lfc_hfc_split"],
    "freqlens.fourier.nudft": ["nudft"],
    "freqlens.fourier.smoothing": ["gaussian_smooth"],
    # models, data, recipes
    "freqlens.models": ["MLP", "SmallCNN", "ConvNet", "with_normalization"],
    "freqlens.models.imagenet_resnet": ["resnet50"],
    "freqlens.batching": ["memory_budget", "default_max_batch", "parse_memory"],
    "freqlens.acceleration": ["accelerated"],
    "freqlens.data": ["load_dataset"],
    "freqlens.recipes": ["run_recipe", "list_recipes"],
    # inference helpers
    "freqlens.inference": ["predict", "accuracy"],
}

#: public name -> the module that defines it.
_PUBLIC: dict[str, str] = {name: module for module, names in _MODULE_NAMES.items() for name in names}


def __getattr__(name: str):
    # ``freqlens.report(model, images, labels, ...)``: the report package is callable; import it lazily
    if name == "report":
        return importlib.import_module("freqlens.report")
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'freqlens' has no attribute {name!r}")
    try:
        value = getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("freqlens"):
            raise AttributeError(f"freqlens.{name} lives in {module}, which this installation does not have") from exc
        raise
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = sorted([*_ERRORS, "__version__", "report", *_PUBLIC])
