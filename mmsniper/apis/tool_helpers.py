# Copyright (c) mmsniper contributors. All rights reserved.
"""Checks shared by ``tools/train.py`` and ``tools/test.py``.

The tools are mmdet 3.3's scripts (argparse, ``parse_args()`` and
``main()`` in the tool). What both do beyond mmdet's is here, so that a bad
argument is found before anything is built:

- :func:`load_config`: the config loaded as mmdet's tools load it (file,
  ``--cfg-options``, work dir: CLI > config > ``work_dirs/<config name>``),
  plus its ``sniper`` block resolved
  (:func:`~mmsniper.engine.resolve_sniper_block`: a typo or a
  contradiction fails here), the work dir checked writable and the launcher
  started (:func:`~mmsniper.utils.init_launcher`, also without CUDA);
- :func:`check_file` / :func:`check_output_file`: inputs that must exist,
  outputs that can be written once the run is over.

Every check raises :class:`ValueError` with one line naming the file, flag
or key; the tools print it as ``error: ...`` and exit with code 2.

Example:
    >>> cfg = load_config('configs/sniper/sniper_faster-rcnn_r18-w16_fpn_'
    ...                   '1xb8-4e_synthetic.py', work_dir='/tmp/work')
    >>> cfg.work_dir
    '/tmp/work'
"""
import os.path as osp
import sys
from typing import NoReturn, Optional, Sequence

from mmengine.config import Config

from ..engine.sniper_block import resolve_sniper_block
from ..utils.dist import init_launcher
from ..utils.io import check_writable_dir

__all__ = ['check_file', 'check_output_file', 'exit_bad_argument', 'load_config']


def _message(error: Exception) -> str:
    """The one-line message of an error (a KeyError without its quotes)."""
    return str(error.args[0] if error.args else error)


def check_file(path: str, what: str) -> str:
    """Check that an input file exists.

    Args:
        path (str): The file.
        what (str): What it is, for the message (``'config file'``).

    Returns:
        str: ``path``.

    Raises:
        ValueError: ``'{what} not found: {path}'``.
    """
    if not osp.isfile(path):
        raise ValueError(f'{what} not found: {path}')
    return path


def check_output_file(path: str,
                      flag: str,
                      suffixes: Optional[Sequence[str]] = None) -> str:
    """Check up front that an output written after the whole run can be
    written: the path is not a folder, its folder is writable (created if
    needed), and it has one of ``suffixes``.

    Args:
        path (str): The file to be written.
        flag (str): The tool flag that names it (``'--out'``), for the
            message.
        suffixes (Sequence[str], optional): Allowed endings
            (``('.pkl', '.json')``). Defaults to None (any).

    Returns:
        str: ``path``.

    Raises:
        ValueError: Naming ``flag`` and ``path``.
    """
    if suffixes and not path.endswith(tuple(suffixes)):
        raise ValueError(f'{flag} must be a {" or ".join(suffixes)} file, '
                         f'got {path}')
    if osp.isdir(path):
        raise ValueError(f'{flag} {path}: is a directory, not a file')
    try:
        check_writable_dir(osp.dirname(osp.abspath(path)))
    except ValueError as e:
        raise ValueError(f'{flag} {path}: {e}') from e
    return path


def load_config(path: str,
                launcher: str = 'none',
                cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None) -> Config:
    """Load a tool's config as mmdet's ``tools/train.py`` / ``test.py`` do,
    and check it before anything is built.

    Args:
        path (str): The config file.
        launcher (str): ``--launcher`` (``'none'``, ``'pytorch'``,
            ``'slurm'``, ``'mpi'``). Defaults to 'none'.
        cfg_options (dict, optional): ``--cfg-options``, merged into the
            config. Defaults to None.
        work_dir (str, optional): ``--work-dir``; without it the config's
            ``work_dir`` or ``work_dirs/<config name>``. Defaults to None.

    Returns:
        Config: The config, with ``launcher`` and ``work_dir`` set, the
        ``sniper`` block written into the dicts that read it, and (without
        CUDA, ``--launcher pytorch``) the gloo settings of
        :func:`~mmsniper.utils.init_launcher`; the process group is started
        when the run is distributed.

    Raises:
        ValueError: The file is missing, the ``sniper`` block has an
            unknown key or a contradiction, the work dir cannot be written,
            or the launcher needs CUDA.
    """
    cfg = Config.fromfile(check_file(path, 'config file'))
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    try:  # a typo or a contradiction in the SNIPER block fails here
        resolve_sniper_block(cfg)
    except (KeyError, ValueError) as e:
        raise ValueError(_message(e)) from e
    # work_dir is determined in this priority: CLI > config > file name
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    check_writable_dir(cfg.work_dir)
    try:
        init_launcher(launcher, cfg)
    except RuntimeError as e:
        raise ValueError(_message(e)) from e
    return cfg


def exit_bad_argument(error: Exception) -> NoReturn:
    """End a tool on a bad argument: one line ``error: ...`` on stderr (the
    message of ``error``), exit code 2."""
    print(f'error: {_message(error)}', file=sys.stderr)
    sys.exit(2)
