"""Send freqlens numbers and heat maps where training is already logged: one small :class:`Logger` protocol
(:mod:`freqlens.loggers.protocol`) and adapters for TensorBoard and MLflow (optional extras)."""
from freqlens.loggers.protocol import Logger, MemoryLogger, log_result

__all__ = ["Logger", "MLflowLogger", "MemoryLogger", "TensorBoardLogger", "log_result"]


def __getattr__(name: str):
    if name == "TensorBoardLogger":
        from freqlens.loggers.tensorboard import TensorBoardLogger

        return TensorBoardLogger
    if name == "MLflowLogger":
        from freqlens.loggers.mlflow_store import MLflowLogger

        return MLflowLogger
    raise AttributeError(f"module 'freqlens.loggers' has no attribute {name!r}")
