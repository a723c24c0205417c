"""Write outputs without ever leaving half-written files behind.

Every tool writes to a temporary name next to the target and renames it at
the end (``os.replace`` is atomic on one filesystem), so an interrupted run
leaves either the old file or the new one, never a truncated one.
"""
import contextlib
import os
import os.path as osp
import shutil
import tempfile
from typing import Iterator


def check_writable_dir(path: str) -> str:
    """Create ``path`` if needed and check it is a writable folder.

    Raises:
        ValueError: naming the folder when it cannot be written.
    """
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise ValueError(f'output folder {path!r} cannot be created: '
                         f'{e.strerror}') from e
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValueError(f'output folder {path!r} is not writable')
    return path


@contextlib.contextmanager
def atomic_write(path: str, mode: str = 'w', **kwargs) -> Iterator:
    """Open a temporary file beside ``path``; rename it to ``path`` on
    success, delete it on error.

    Example:
        >>> with atomic_write('out.json') as f:
        ...     json.dump(results, f)
    """
    folder = check_writable_dir(osp.dirname(osp.abspath(path)))
    fd, tmp = tempfile.mkstemp(
        prefix='.' + osp.basename(path) + '.', suffix='.tmp', dir=folder)
    os.close(fd)
    try:
        with open(tmp, mode, **kwargs) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


@contextlib.contextmanager
def atomic_write_dir(path: str) -> Iterator[str]:
    """Yield a temporary folder beside ``path``; on success replace
    ``path`` by it, on error remove it.

    Used for outputs made of many files (e.g. a generated dataset).
    """
    parent = check_writable_dir(osp.dirname(osp.abspath(path)))
    tmp = tempfile.mkdtemp(prefix='.' + osp.basename(path) + '.',
                           suffix='.tmp', dir=parent)
    try:
        yield tmp
        if osp.isdir(path):
            old = tmp + '.old'
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
