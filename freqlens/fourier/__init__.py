"""Pure tensor math in the frequency domain. Nothing here imports models or training."""
from freqlens.fourier.nudft import first_principal_component, nudft, nudft_direct
from freqlens.fourier.peaks import find_peaks, relative_error_at
from freqlens.fourier.smoothing import GaussianSmoother, gaussian_smooth

__all__ = [
    "nudft",
    "nudft_direct",
    "first_principal_component",
    "find_peaks",
    "relative_error_at",
    "GaussianSmoother",
    "gaussian_smooth",
]
