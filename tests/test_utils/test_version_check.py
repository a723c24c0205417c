# Copyright (c) mmsniper contributors. All rights reserved.
"""The OpenMMLab version guard (:mod:`mmsniper.utils.version_check`):
the installed stack passes; a missing package or a version outside
``[low, high)`` raises an ImportError with the command that installs the
tested one. Stand-in modules replace the real ones in ``sys.modules`` for
one test only."""
import sys
import types

import pytest

from mmsniper.utils.version_check import REQUIRED, check_versions


def _fake(monkeypatch, name, version):
    mod = types.ModuleType(name)
    if version is not None:
        mod.__version__ = version
    monkeypatch.setitem(sys.modules, name, mod)


def test_the_installed_stack_passes():
    assert check_versions() is None
    assert [r[0] for r in REQUIRED] == ['mmcv', 'mmengine', 'mmdet']


@pytest.mark.parametrize('name,version', [
    ('mmcv', '2.0.0rc4'),  # the lower bound is inclusive
    ('mmcv', '2.1.0'),
    ('mmcv', '2.1.9'),
    ('mmdet', '3.0.0'),
    ('mmdet', '3.99.0'),
])
def test_versions_in_range_pass(monkeypatch, name, version):
    _fake(monkeypatch, name, version)
    check_versions()


@pytest.mark.parametrize('name,version,message', [
    # the upper bound is exclusive
    ('mmcv', '2.2.0', 'mmcv==2.2.0 is installed, but mmsniper needs '
     '2.0.0rc4 <= mmcv < 2.2.0; install it with '
     '`pip install mmcv==2.1.0 --no-build-isolation`'),
    ('mmcv', '1.7.2', 'mmcv==1.7.2 is installed'),
    ('mmcv', '2.0.0rc3', 'mmcv==2.0.0rc3 is installed'),
    ('mmcv', None, 'mmcv==0 is installed'),  # no __version__
    ('mmdet', '4.0.0', 'mmdet==4.0.0 is installed, but mmsniper needs '
     '3.0.0 <= mmdet < 4.0.0; install it with `pip install mmdet==3.3.0`'),
    ('mmdet', '2.28.2', 'mmdet==2.28.2 is installed'),
])
def test_versions_out_of_range_raise(monkeypatch, name, version, message):
    _fake(monkeypatch, name, version)
    with pytest.raises(ImportError) as err:
        check_versions()
    assert str(err.value).startswith(message)


def test_missing_package(monkeypatch):
    # None in sys.modules makes the import fail
    monkeypatch.setitem(sys.modules, 'mmdet', None)
    with pytest.raises(ImportError) as err:
        check_versions()
    msg = str(err.value)
    assert msg.startswith('mmsniper needs mmdet (3.0.0 <= version < 4.0.0); '
                          'install it with `pip install mmdet==3.3.0` '
                          '(import failed: ')
    assert 'no-build-isolation' not in msg
    assert isinstance(err.value.__cause__, ImportError)
    # mmcv is compiled: the command keeps the flag inside the backticks
    monkeypatch.setitem(sys.modules, 'mmcv', None)
    with pytest.raises(ImportError, match='^mmsniper needs mmcv') as err:
        check_versions()
    assert 'install it with `pip install mmcv==2.1.0 --no-build-isolation` ' \
        '(import failed: ' in str(err.value)
