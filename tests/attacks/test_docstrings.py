"""Every example in freqlens/attacks/ (and the moved helpers) runs as a doctest and gives what it shows."""
import doctest
import importlib

import pytest

MODULES = ["freqlens.attacks.result", "freqlens.attacks.pgd", "freqlens.attacks.minimal", "freqlens.attacks.square",
           "freqlens.attacks.eot", "freqlens.attacks.fourier_basis", "freqlens.probes.perturbation_spectra",
           "freqlens.plot.attacks"]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no example"
    assert result.failed == 0


@pytest.mark.parametrize("name", MODULES[1:])
def test_public_attack_docstrings_have_every_section(name):
    module = importlib.import_module(name)
    for public in module.__all__:
        doc = getattr(module, public).__doc__ or ""
        if not callable(getattr(module, public)) or isinstance(getattr(module, public), type):
            continue
        for section in ("Args:", "Returns:", "Raises:", "Source:", "Example:"):
            assert section in doc, f"{name}.{public} lacks {section}"
