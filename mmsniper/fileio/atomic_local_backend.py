# Copyright (c) mmsniper contributors. All rights reserved.
"""Local files written all-or-nothing: :class:`AtomicLocalBackend`."""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.fileio.backends import registry_utils

from ..utils.io import current_umask, fsync_dir

#: Chunk size of the writes (bytes).
_CHUNK = 16 << 20


class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose ``put`` / ``put_text`` write to a
    hidden temporary file beside the target (``.NAME.XXXX.tmp``), flush and
    fsync it, then rename it over the target (``os.replace``: atomic on
    one filesystem). A process killed during the write leaves the old file
    (or none), never a truncated one under the final name; only the
    temporary file may remain (see :func:`remove_stale_tmp_files`).

    Registered as mmengine file backend ``'atomic_local'``; select it with
    ``backend_args=dict(backend='atomic_local')`` (what
    :class:`~mmsniper.engine.AtomicCheckpointHook` does for local folders).
    Written files get the permissions of a plain ``open()`` (``0o666``
    minus the umask).
    """

    def _write(self, f, obj: bytes, filepath: str) -> None:
        """Write ``obj`` (the content of ``filepath``) to the open temporary
        file, in chunks."""
        view = memoryview(obj)
        for start in range(0, len(view), _CHUNK):
            f.write(view[start:start + _CHUNK])

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically (folders are created)."""
        filepath = str(filepath)
        folder = osp.dirname(osp.abspath(filepath))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix='.' + osp.basename(filepath) + '.', suffix='.tmp',
            dir=folder)
        try:
            with os.fdopen(fd, 'wb') as f:
                self._write(f, obj, filepath)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o666 & ~current_umask())
            os.replace(tmp, filepath)
        except BaseException:
            if osp.exists(tmp):
                os.remove(tmp)
            raise
        fsync_dir(folder)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically."""
        self.put(obj.encode(encoding), filepath)


def remove_stale_tmp_files(folder: str, suffix: str = '') -> list:
    """Remove temporary files left in ``folder`` by a killed
    :class:`AtomicLocalBackend` write (``.NAME.XXXX.tmp`` where ``NAME``
    ends with ``suffix``). Returns the removed paths."""
    removed = []
    if not osp.isdir(folder):
        return removed
    for name in os.listdir(folder):
        if not (name.startswith('.') and name.endswith('.tmp')):
            continue
        target = name[1:].rsplit('.', 2)[0]
        if suffix and not target.endswith(suffix):
            continue
        path = osp.join(folder, name)
        if osp.isfile(path):
            os.remove(path)
            removed.append(path)
    return removed


if 'atomic_local' not in registry_utils.backends:
    register_backend('atomic_local', AtomicLocalBackend)
