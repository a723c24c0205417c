# Copyright (c) mmsniper contributors. All rights reserved.
"""No config restates a value its parents already give (issue 13): every
literal a config file sets (``key = value`` and the keys of its
``dict(...)`` overrides, recursively) differs from what its ``_base_``
files alone give at that key. A ``dict(_delete_=True, ...)`` replaces the
whole dict, so its items are not checked."""
import ast
import os.path as osp
from glob import glob

import pytest
from mmengine.config import Config

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIGS = sorted(
    p for p in glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True))
_MISSING = object()


def _literal_paths(node, prefix=()):
    """``(path, value)`` of every literal a config node sets."""
    items = None
    if isinstance(node, ast.Call) and getattr(node.func, 'id', '') == 'dict':
        if node.args or any(k.arg is None for k in node.keywords):
            return  # dict(**x) / dict(a, ...): not a plain override
        items = [(k.arg, k.value) for k in node.keywords]
    elif isinstance(node, ast.Dict):
        if not all(isinstance(k, ast.Constant) for k in node.keys):
            return
        items = [(k.value, v) for k, v in zip(node.keys, node.values)]
    if items is not None:
        if any(k == '_delete_' for k, _ in items):
            return
        for key, value in items:
            yield from _literal_paths(value, prefix + (key, ))
        return
    try:
        yield prefix, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError,
            RecursionError):
        return


def config_literals(source: str):
    """``(path, value)`` of the literals a config file's own assignments
    set, and its ``_base_`` value (None without one)."""
    tree = ast.parse(source)
    base, out = None, []
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            continue
        name = stmt.targets[0].id
        if name == '_base_':
            base = ast.literal_eval(stmt.value)
            continue
        out += [((name, ) + p, v)
                for p, v in _literal_paths(stmt.value)]
    return base, out


def _get(cfg, path):
    cur = cfg
    for key in path:
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        else:
            return _MISSING
    return cur


def _norm(v):
    if isinstance(v, (list, tuple)):
        return tuple(_norm(x) for x in v)
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    return v


def restated(path_of_config: str, tmp_dir: str) -> list:
    """The keys ``path_of_config`` sets to its parents' value."""
    with open(path_of_config) as f:
        base, literals = config_literals(f.read())
    if base is None:
        return []
    bases = [base] if isinstance(base, str) else list(base)
    here = osp.dirname(path_of_config)
    bases = [b if '::' in b else osp.normpath(osp.join(here, b))
             for b in bases]
    parent_file = osp.join(tmp_dir, 'parents_of_' +
                           osp.basename(path_of_config))
    with open(parent_file, 'w') as f:
        f.write(f'_base_ = {bases!r}\n')
    parent = Config.fromfile(parent_file)._cfg_dict.to_dict()
    out = []
    for path, value in literals:
        old = _get(parent, path)
        if old is not _MISSING and _norm(old) == _norm(value):
            out.append('.'.join(map(str, path)) + f' = {value!r}')
    return out


def test_literal_paths_rule(tmp_path):
    base, lits = config_literals(
        "_base_ = './a.py'\n"
        "x = 3\n"
        "model = dict(a=dict(b=1, c=[1, 2]), d=dict(_delete_=True, e=2),"
        " f=_base_.g, h={'i': (1, 2)})\n")
    assert base == './a.py'
    assert dict(lits) == {('x', ): 3, ('model', 'a', 'b'): 1,
                          ('model', 'a', 'c'): [1, 2],
                          ('model', 'h', 'i'): (1, 2)}
    parent = tmp_path / 'a.py'
    parent.write_text('x = 3\nmodel = dict(a=dict(b=2, c=(1, 2)))\n')
    child = tmp_path / 'child.py'
    child.write_text("_base_ = './a.py'\nx = 3\n"
                     "model = dict(a=dict(b=1, c=[1, 2]))\n")
    assert restated(str(child), str(tmp_path)) == [
        'x = 3', 'model.a.c = [1, 2]'
    ]


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, ROOT) for p in CONFIGS])
def test_config_restates_nothing(path, tmp_path):
    assert restated(path, str(tmp_path)) == []
