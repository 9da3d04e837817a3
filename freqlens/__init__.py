"""freqlens: explain neural networks from the frequency domain."""
from freqlens.errors import (
    CheckpointError,
    ConfigError,
    DataError,
    FreqlensError,
    InputError,
    MissingDependencyError,
    ModelOutputError,
)

__version__ = "0.1.0"

__all__ = [
    "FreqlensError",
    "InputError",
    "ModelOutputError",
    "ConfigError",
    "DataError",
    "CheckpointError",
    "MissingDependencyError",
    "__version__",
]
