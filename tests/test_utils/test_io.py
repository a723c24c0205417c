"""mmsniper.utils.io: atomic writes get the permissions of a plain open()
and are fsynced before the rename."""
import os
import os.path as osp
import stat

import pytest

from mmsniper.utils import atomic_write, atomic_write_dir
from mmsniper.utils import io as io_mod


@pytest.fixture(params=[0o022, 0o027, 0o002])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_current_umask_reads_without_changing(umask):
    assert io_mod.current_umask() == umask
    assert io_mod.current_umask() == umask


def test_atomic_write_file_mode_like_open(tmp_path, umask):
    plain = tmp_path / 'plain.txt'
    with open(plain, 'w') as f:
        f.write('x')
    path = str(tmp_path / 'out.json')
    with atomic_write(path) as f:
        f.write('{}')
    assert _mode(path) == 0o666 & ~umask == _mode(plain)
    with open(path) as f:
        assert f.read() == '{}'
    # overwriting keeps the rule, binary mode too
    with atomic_write(path, 'wb') as f:
        f.write(b'[]')
    assert _mode(path) == 0o666 & ~umask
    assert not [n for n in os.listdir(tmp_path) if n.endswith('.tmp')]


def test_atomic_write_dir_mode_like_makedirs(tmp_path, umask):
    plain = tmp_path / 'plain'
    os.makedirs(plain)
    path = str(tmp_path / 'generated')
    for _ in range(2):  # new, then replacing an existing folder
        with atomic_write_dir(path) as tmp:
            with open(osp.join(tmp, 'a.txt'), 'w') as f:
                f.write('a')
        assert _mode(path) == 0o777 & ~umask == _mode(plain)
        assert os.listdir(path) == ['a.txt']
    assert sorted(os.listdir(tmp_path)) == ['generated', 'plain']


def test_atomic_write_fsyncs_before_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(('fsync', stat.S_ISREG(os.fstat(fd).st_mode)))
        return real_fsync(fd)

    def replace(src, dst):
        with open(src) as f:  # the content is complete at the rename
            events.append(('replace', f.read()))
        return real_replace(src, dst)

    monkeypatch.setattr(io_mod.os, 'fsync', fsync)
    monkeypatch.setattr(io_mod.os, 'replace', replace)
    with atomic_write(str(tmp_path / 'm.json')) as f:
        f.write('{"a": 1}')
    assert events[:2] == [('fsync', True), ('replace', '{"a": 1}')]


def test_atomic_write_error_leaves_nothing(tmp_path):
    path = str(tmp_path / 'out.txt')
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write('half')
            raise RuntimeError('boom')
    assert os.listdir(tmp_path) == []
