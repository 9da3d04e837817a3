"""The exception family of freqlens/errors.py: every deliberate error is a FreqlensError, and each subclass is also
the built-in exception callers already catch."""
import pytest

from freqlens import errors
from freqlens.errors import (
    CheckpointError,
    ConfigError,
    DataError,
    FreqlensError,
    InputError,
    MissingDependencyError,
    ModelOutputError,
)


@pytest.mark.parametrize("cls, builtin", [
    (InputError, ValueError),
    (ModelOutputError, ValueError),
    (ConfigError, ValueError),
    (MissingDependencyError, ImportError),
    (DataError, Exception),
    (CheckpointError, Exception),
])
def test_every_error_is_a_freqlens_error_and_its_builtin(cls, builtin):
    err = cls("eps must be > 0, got -1")
    assert isinstance(err, FreqlensError) and isinstance(err, builtin)
    assert str(err) == "eps must be > 0, got -1"
    with pytest.raises(FreqlensError, match="eps must be"):
        raise err


def test_model_output_error_is_an_input_error():
    assert issubclass(ModelOutputError, InputError)
    # a DataError or CheckpointError is not a ValueError: callers catching ValueError do not swallow missing files
    assert not issubclass(DataError, ValueError) and not issubclass(CheckpointError, ValueError)


def test_the_module_defines_only_freqlens_errors():
    classes = [v for v in vars(errors).values() if isinstance(v, type) and v.__module__ == errors.__name__]
    assert len(classes) == 7 and all(issubclass(c, FreqlensError) for c in classes)
