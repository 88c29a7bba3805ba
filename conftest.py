"""Doctests see the public API without importing it, as a user's session would."""

import pytest
import sympy

import symrf


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace.update({name: getattr(symrf, name) for name in symrf.__all__})
    doctest_namespace["sympy"] = sympy
    doctest_namespace["analyze"] = symrf.analyze
