# Copyright (c) mmsniper contributors. All rights reserved.
"""Loading the native extension: the symbols checked, the errors naming
what is missing and how to rebuild, ``try_load_ext``'s None, and the
one-time fallback warning. Stand-in modules are put in ``sys.modules`` so
the real extension is never touched."""
import sys
import types
import warnings

import pytest

from mmsniper.ops import EXT_AVAILABLE, ext_loader, load_ext, try_load_ext

FAKE = 'mmsniper._fake_ext_for_tests'


@pytest.fixture
def fake_ext(monkeypatch):
    """A stand-in ``mmsniper._fake_ext_for_tests`` exporting ``op_a`` and
    ``op_b``."""
    mod = types.ModuleType(FAKE)
    mod.op_a = lambda: 'a'
    mod.op_b = lambda: 'b'
    monkeypatch.setitem(sys.modules, FAKE, mod)
    return mod


def test_load_ext_returns_the_module(fake_ext):
    assert load_ext('_fake_ext_for_tests', ['op_a', 'op_b']) is fake_ext
    assert load_ext('_fake_ext_for_tests', []) is fake_ext
    assert try_load_ext('_fake_ext_for_tests', ['op_b']) is fake_ext


def test_load_ext_names_every_missing_symbol(fake_ext):
    with pytest.raises(ImportError) as err:
        load_ext('_fake_ext_for_tests', ['op_a', 'op_x', 'op_b', 'op_y'])
    msg = str(err.value)
    assert msg.startswith(f'{FAKE} lacks op_x, op_y; rebuild it with ')
    assert 'setup.py build_ext --inplace' in msg and 'op_a' not in msg
    assert try_load_ext('_fake_ext_for_tests', ['op_a', 'op_x']) is None


def test_missing_module(monkeypatch):
    # None in sys.modules: the import fails as for an unbuilt extension
    monkeypatch.setitem(sys.modules, FAKE, None)
    with pytest.raises(ImportError):
        load_ext('_fake_ext_for_tests', [])
    assert try_load_ext('_fake_ext_for_tests', []) is None
    with pytest.raises(ImportError):
        load_ext('_no_such_module_anywhere', ['op'])
    assert try_load_ext('_no_such_module_anywhere', ['op']) is None


def test_warn_fallback_once_per_op(monkeypatch):
    monkeypatch.setattr(ext_loader, '_WARNED', set())
    with pytest.warns(RuntimeWarning) as rec:
        ext_loader.warn_fallback('op_a')
    assert len(rec) == 1
    assert str(rec[0].message).startswith(
        'mmsniper._ext is not available: op_a falls back to its numpy '
        'reference')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        ext_loader.warn_fallback('op_a')  # second time: silent
    with pytest.warns(RuntimeWarning, match='op_b falls back'):
        ext_loader.warn_fallback('op_b')  # another op warns on its own
    assert ext_loader._WARNED == {'op_a', 'op_b'}


@pytest.mark.skipif(not EXT_AVAILABLE, reason='mmsniper._ext is not built')
def test_load_ext_names_missing_symbols():
    assert load_ext('_ext', ['chip_cover']).chip_cover is not None
    with pytest.raises(ImportError, match='no_such_op'):
        load_ext('_ext', ['chip_cover', 'no_such_op'])
