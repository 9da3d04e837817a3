"""Observe training: trackers usable as :func:`freqlens.train.fit` callbacks or as plain functions."""
from freqlens.dynamics.fprinciple import (
    FilteringHistory,
    FilteringTracker,
    ProjectionResult,
    ProjectionTracker,
    choose_delta,
    filtering_errors,
    projection_errors,
)
from freqlens.dynamics.hfc import HFCCurves, HFCTracker
from freqlens.dynamics.spectral_bias import (
    PerturbationRobustness,
    SpectralNormHistory,
    SpectralNormTracker,
    SpectrumHistory,
    SpectrumTracker,
    perturbation_robustness,
)

__all__ = ["ProjectionTracker", "FilteringTracker", "ProjectionResult", "FilteringHistory", "projection_errors",
           "filtering_errors", "choose_delta",
           "HFCTracker", "HFCCurves", "SpectrumTracker", "SpectrumHistory",
           "SpectralNormTracker", "SpectralNormHistory", "perturbation_robustness", "PerturbationRobustness"]
