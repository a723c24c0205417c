"""Load mmengine checkpoints under torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7
predates that: its checkpoints carry the runner's message hub (HistoryBuffer,
numpy arrays), which the weights-only unpickler refuses, so ``tools/test.py``
and ``--resume`` fail on checkpoints that ``tools/train.py`` just wrote.

We register, in mmengine's own ``CheckpointLoader`` (no fork), a loader for
local files that first tries ``weights_only=True`` and falls back to a full
load. Set ``MMSNIPER_WEIGHTS_ONLY=1`` to refuse the fallback (only plain
state dicts will then load).
"""
import os
import os.path as osp

import torch
from mmengine.runner.checkpoint import CheckpointLoader


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_from_local(filename: str, map_location=None) -> dict:
    """Load a local checkpoint file (mmengine's local scheme)."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except Exception:
        if os.getenv('MMSNIPER_WEIGHTS_ONLY', '0') == '1':
            raise
        # mmengine checkpoints hold the message hub: trusted local files
        return torch.load(filename, map_location=map_location,
                          weights_only=False)
