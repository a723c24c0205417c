# Copyright (c) mmsniper contributors. All rights reserved.
"""The test suite mirrors the package path for path: every module
``mmsniper/<a>/<b>.py`` has its tests in ``tests/test_<a>/test_<b>.py``
(``mmsniper/<b>.py``: ``tests/test_<b>.py``).

Not mirrored: package ``__init__`` files, and ``mmsniper/testing/`` (the
shared input builders of the tests, exercised by every test that uses
them).
"""
import os.path as osp
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / 'mmsniper'
EXEMPT_DIRS = ('testing', )


def mirror_path(module: Path) -> Path:
    """``tests/test_<a>/test_<b>.py`` of ``mmsniper/<a>/<b>.py``."""
    rel = module.relative_to(PKG)
    parts = ['test_' + p for p in rel.parts[:-1]]
    return REPO.joinpath('tests', *parts, 'test_' + rel.name)


def package_modules() -> list:
    return sorted(
        p for p in PKG.rglob('*.py') if p.name != '__init__.py'
        and p.relative_to(PKG).parts[0] not in EXEMPT_DIRS)


def test_mirror_path_rule():
    assert mirror_path(PKG / 'chips' / 'cover.py') == \
        REPO / 'tests' / 'test_chips' / 'test_cover.py'
    assert mirror_path(PKG / 'version.py') == REPO / 'tests' / \
        'test_version.py'
    assert mirror_path(PKG / 'models' / 'test_time' / 'tiles.py') == \
        REPO / 'tests' / 'test_models' / 'test_test_time' / 'test_tiles.py'


def test_every_module_has_its_mirror_test_file():
    modules = package_modules()
    assert len(modules) > 50  # the walk found the package
    missing = [
        f'{m.relative_to(REPO)} -> {mirror_path(m).relative_to(REPO)}'
        for m in modules if not mirror_path(m).is_file()
    ]
    assert not missing, 'modules without their mirror test file:\n' + \
        '\n'.join(missing)


def test_test_basenames_are_unique():
    # no __init__.py in tests/: pytest's rootdir import needs unique names
    seen = {}
    for p in sorted((REPO / 'tests').rglob('test_*.py')):
        seen.setdefault(p.name, []).append(osp.relpath(p, REPO))
    dups = {k: v for k, v in seen.items() if len(v) > 1}
    assert not dups, dups
