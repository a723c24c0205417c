"""tools/analysis/training_loop.py: the budget's clock."""
import argparse
import os.path as osp
import runpy
import sys

import pytest


@pytest.fixture(scope='module')
def loop(repo_root):
    tools = osp.join(repo_root, 'tools', 'analysis')
    sys.path.insert(0, tools)  # its sibling training_arms.py
    try:
        return argparse.Namespace(
            **runpy.run_path(osp.join(tools, 'training_loop.py')))
    finally:
        sys.path.remove(tools)


def _args(**kw):
    return argparse.Namespace(**dict(
        dict(epochs=None, max_iters=None, budget=100.0, budget_mode='wall'), **
        kw))


def test_progress_of_the_budget_modes(loop):
    # equal epochs: 2.5 passes of 10 iterations
    clock = loop.Clock(_args(epochs=2.5, budget=1e9), iters_per_epoch=10)
    assert clock.total_iters == 25
    assert clock.progress(5) == pytest.approx(0.2)
    assert clock.progress(30) == 1.0
    # an iteration cap ends a time budget early
    clock = loop.Clock(_args(max_iters=4, budget=1e9), iters_per_epoch=10)
    assert clock.progress(2) == pytest.approx(0.5)
    # the time budgets: spent seconds over the budget
    clock = loop.Clock(_args(budget=1e-6, budget_mode='cpu'), 10)
    sum(i * i for i in range(10000))  # spend some CPU time
    assert clock.progress(0) == 1.0
