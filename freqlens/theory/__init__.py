"""Predictions without training: the Linear Frequency Principle model and kernel spectra."""
from freqlens.theory.integral_kernels import (
    KernelFlowResult,
    binned_abs,
    circulant_eigenvalues,
    dominant_rfft_bin,
    eigenbasis_spectrum,
    kernel_gradient_flow,
    periodic_kernel_eigenvalues,
    periodic_kernel_flow,
    periodic_kernel_matrix,
    periodic_kernel_peak,
    periodic_mexican_hat,
    rbf_kernel_eigen,
    relu_arccos_eigenvalues,
    relu_arccos_kernel,
    relu_random_feature_kernel,
    sign_changes,
)
from freqlens.theory.lfp import (
    LFPDynamics,
    MinFPNormSolution,
    empirical_relu_ntk,
    fp_generalization_bound,
    fp_norm,
    fp_norm_of_samples,
    gamma_squared,
    lfp_dynamics,
    lfp_green,
    min_fp_norm_closed_form,
    min_fp_norm_interpolation,
    relu_init_moments,
)

__all__ = [
    "KernelFlowResult", "binned_abs", "circulant_eigenvalues", "dominant_rfft_bin", "eigenbasis_spectrum",
    "kernel_gradient_flow", "periodic_kernel_eigenvalues", "periodic_kernel_flow", "periodic_kernel_matrix",
    "periodic_kernel_peak", "periodic_mexican_hat", "rbf_kernel_eigen", "relu_arccos_eigenvalues",
    "relu_arccos_kernel", "relu_random_feature_kernel", "sign_changes",
    "LFPDynamics", "MinFPNormSolution", "empirical_relu_ntk", "fp_generalization_bound", "fp_norm",
    "fp_norm_of_samples", "gamma_squared", "lfp_dynamics", "lfp_green", "min_fp_norm_closed_form",
    "min_fp_norm_interpolation", "relu_init_moments",
]
