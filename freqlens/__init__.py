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


def __getattr__(name):
    # ``freqlens.report(model, images, labels, ...)``: the report package is callable; import it lazily
    if name == "report":
        import importlib

        return importlib.import_module("freqlens.report")
    raise AttributeError(f"module 'freqlens' has no attribute {name!r}")


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
