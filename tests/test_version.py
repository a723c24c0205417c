# Copyright (c) mmsniper contributors. All rights reserved.
"""The package version (:mod:`mmsniper.version`): one string, a PEP 440
release, the same at the package top level and in the installed
metadata."""
import re
from importlib import metadata

import pytest

import mmsniper
from mmsniper import version


def test_version_string():
    v = version.__version__
    assert isinstance(v, str)
    assert re.fullmatch(r'\d+\.\d+\.\d+((rc|a|b)\d+)?', v), v
    assert mmsniper.__version__ == v
    assert mmsniper.__all__ == ['__version__']


def test_version_is_the_installed_metadata():
    try:
        installed = metadata.version('mmsniper')
    except metadata.PackageNotFoundError:
        pytest.skip('mmsniper is not installed (a plain source checkout)')
    assert installed == version.__version__
