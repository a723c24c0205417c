"""AtomicLocalBackend: a killed write never truncates the target."""
import os
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.fileio import get_file_backend

from mmsniper.fileio import AtomicLocalBackend, remove_stale_tmp_files

KILLER = r'''
import os, signal, sys
from mmsniper.fileio import AtomicLocalBackend

class Half(AtomicLocalBackend):
    def _write(self, f, obj, filepath):
        f.write(obj[:len(obj) // 2]); f.flush(); os.fsync(f.fileno())
        os.kill(os.getpid(), signal.SIGKILL)

Half().put(b'n' * 1000000, sys.argv[1])
'''


def test_selected_by_backend_args():
    backend = get_file_backend(backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)


def test_put_replaces_and_follows_umask(tmp_path):
    path = str(tmp_path / 'sub' / 'a.pth')
    backend = AtomicLocalBackend()
    old = os.umask(0o022)
    try:
        backend.put(b'one', path)
        backend.put_text('two', path)
    finally:
        os.umask(old)
    with open(path) as f:
        assert f.read() == 'two'
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path / 'sub') == ['a.pth']


def test_killed_write_leaves_the_old_file(repo_root, tmp_path):
    path = str(tmp_path / 'epoch_2.pth')
    with open(path, 'wb') as f:
        f.write(b'old')
    res = subprocess.run([sys.executable, '-c', KILLER, path], cwd=repo_root,
                         env=dict(os.environ, PYTHONPATH=repo_root),
                         capture_output=True)
    assert res.returncode == -9, res.stderr
    with open(path, 'rb') as f:
        assert f.read() == b'old'
    stale = [n for n in os.listdir(tmp_path) if n.endswith('.tmp')]
    assert len(stale) == 1 and osp.getsize(tmp_path / stale[0]) == 500000
    assert remove_stale_tmp_files(str(tmp_path), suffix='.pth') == [
        str(tmp_path / stale[0])]
    assert os.listdir(tmp_path) == ['epoch_2.pth']


def test_failed_write_removes_its_temporary_file(tmp_path):

    class Failing(AtomicLocalBackend):

        def _write(self, f, obj, filepath):
            raise OSError('disk full')

    with pytest.raises(OSError, match='disk full'):
        Failing().put(b'x', str(tmp_path / 'a.pth'))
    assert os.listdir(tmp_path) == []
