"""Write outputs without ever leaving half-written files behind.

Every tool writes to a temporary name next to the target and renames it at
the end (``os.replace`` is atomic on one filesystem), so an interrupted run
leaves either the old file or the new one, never a truncated one. The
file is flushed and fsynced before the rename, and the result gets the
permissions a plain ``open()`` / ``os.makedirs`` would give it (``0o666`` /
``0o777`` minus the umask) instead of ``mkstemp``'s ``0o600`` /
``mkdtemp``'s ``0o700``.
"""
import contextlib
import os
import os.path as osp
import shutil
import tempfile
from typing import Iterator


def current_umask() -> int:
    """The process umask, read without changing it where possible
    (``/proc/self/status`` on Linux; elsewhere set and restored)."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_dir(folder: str) -> None:
    """Make a rename in ``folder`` durable (best effort)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
    """Open a temporary file beside ``path``; on success flush and fsync
    it, give it the mode of a plain ``open()`` (``0o666 & ~umask``) and
    rename it to ``path``; on error delete it.

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
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    fsync_dir(folder)


@contextlib.contextmanager
def atomic_write_dir(path: str) -> Iterator[str]:
    """Yield a temporary folder beside ``path``; on success give it the
    mode of a plain ``os.makedirs`` (``0o777 & ~umask``) and replace
    ``path`` by it, on error remove it.

    Used for outputs made of many files (e.g. a generated dataset).
    """
    parent = check_writable_dir(osp.dirname(osp.abspath(path)))
    tmp = tempfile.mkdtemp(prefix='.' + osp.basename(path) + '.',
                           suffix='.tmp', dir=parent)
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~current_umask())
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
