"""Start and stop the distributed process group of the tools, with or
without CUDA.

Every tool with a ``--launcher`` flag (``tools/train.py``, ``tools/test.py``,
``tools/extract_proposals.py``) goes through :func:`init_launcher` and ends
with :func:`teardown`:

* with CUDA, mmengine's own set-up is used unchanged (``init_dist`` with the
  ``nccl`` backend; for train/test the Runner calls it from
  ``cfg.env_cfg.dist_cfg``, exactly as mmengine does);
* without CUDA (a CPU build of torch), mmengine 0.10.7's ``init_dist`` fails
  in ``torch.cuda.set_device`` and its DDP wrapper passes
  ``device_ids=[LOCAL_RANK]``: we start a ``gloo`` process group ourselves
  from the ``torchrun`` environment (mmengine then skips its own
  ``init_dist``) and, when a config is given, set
  ``env_cfg.dist_cfg.backend='gloo'`` and ``model_wrapper_cfg.device_ids=None``
  so that DDP wraps the CPU module.
"""
import datetime
import logging
import os
import sys
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config, ConfigDict

__all__ = ['init_launcher', 'teardown']


def _timeout(dist_cfg: dict) -> dict:
    """``timeout`` (seconds) of a ``dist_cfg`` as a ``timedelta`` kwarg."""
    timeout = dist_cfg.get('timeout', None)
    if timeout is None:
        return {}
    return dict(timeout=datetime.timedelta(seconds=timeout))


def init_launcher(launcher: Optional[str],
                  cfg: Optional[Config] = None,
                  local_rank: Optional[int] = None) -> bool:
    """Set up the distributed environment of a tool.

    Args:
        launcher (str, optional): ``'none'`` (or None), ``'pytorch'``,
            ``'slurm'`` or ``'mpi'``, as the tools' ``--launcher``.
        cfg (Config, optional): The config of a Runner (train/test). With
            CUDA it is left to the Runner, which starts the process group
            from ``cfg.env_cfg.dist_cfg``; without CUDA the process group
            is started here and ``cfg.env_cfg.dist_cfg`` /
            ``cfg.model_wrapper_cfg`` are adjusted for gloo on CPU. Without
            a config (a tool that builds no Runner) the process group is
            always started here.
        local_rank (int, optional): ``--local_rank`` of the tool, used when
            the launcher did not set ``LOCAL_RANK``.

    Returns:
        bool: Whether the run is distributed.

    Raises:
        RuntimeError: ``slurm`` / ``mpi`` without CUDA (use ``torchrun``
            with ``--launcher pytorch`` on CPU).
    """
    if launcher in (None, 'none'):
        return False
    if local_rank is not None:
        os.environ.setdefault('LOCAL_RANK', str(local_rank))
    dist_cfg = {}
    if cfg is not None:
        dist_cfg = dict((cfg.get('env_cfg', None) or {}).get('dist_cfg', None)
                        or {})
    if torch.cuda.is_available():
        if cfg is None and not torch_dist.is_initialized():
            from mmengine.dist import init_dist
            init_dist(launcher, backend='nccl')
        return True
    if launcher != 'pytorch':
        raise RuntimeError(
            f'--launcher {launcher} needs CUDA; on a machine without CUDA '
            'start the processes with torchrun and --launcher pytorch '
            '(gloo backend)')
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo', **_timeout(dist_cfg))
    if cfg is not None:
        cfg.setdefault('env_cfg', ConfigDict())
        cfg.env_cfg.setdefault('dist_cfg', ConfigDict())
        cfg.env_cfg.dist_cfg.backend = 'gloo'
        wrapper = cfg.get('model_wrapper_cfg') or ConfigDict(
            type='MMDistributedDataParallel')
        wrapper.setdefault('device_ids', None)
        cfg.model_wrapper_cfg = wrapper
    return True


def teardown(exit_process: bool = False) -> None:
    """End a successful distributed run: all ranks meet at a barrier, then
    the process group is destroyed (no-op when not distributed).

    A rank leaving while the others still use gloo occasionally aborted at
    interpreter shutdown ("terminate called without an active exception",
    SIGABRT after the run's work was done: once in a CI run of the
    two-process test, not reproduced in 6 local runs). Call it only after
    success: a barrier after a failure on another rank would wait for that
    rank forever.

    Args:
        exit_process (bool): After a distributed run, end the process here
            with ``os._exit(0)`` once the logs and stdio are flushed, so
            that no C++ thread of torch's process group or store is torn
            down by the interpreter's shutdown (what aborted). For the
            command-line tools only, at their very end. Defaults to False.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    torch_dist.barrier()
    torch_dist.destroy_process_group()
    if exit_process:
        logging.shutdown()  # flushes and closes mmengine's log files
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(0)
