"""bound_host_heap (host_memory.py): glibc's mmap threshold is fixed, so
large freed blocks leave the process instead of fragmenting its heap."""
import os
import subprocess
import sys

import pytest

from mmsniper.utils import host_memory

needs_glibc = pytest.mark.skipif(
    host_memory._glibc_mallopt() is None
    or not os.path.exists('/proc/self/status'),
    reason='glibc mallopt and /proc needed')

# Frees one 16 MB block (glibc then raises its mmap threshold to 16 MB),
# then allocates 200 blocks of 1 MB, each followed by a 3 KB block that
# stays alive (as a tile's activations and its candidates), frees the big
# ones and prints the anonymous memory still resident, in KB.
_PROBE = r'''
import ctypes, ctypes.util, sys
from mmsniper.utils import host_memory
if sys.argv[1] == 'bound':
    assert host_memory.bound_host_heap()
libc = ctypes.CDLL(ctypes.util.find_library('c'))
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('RssAnon:'):
            return int(line.split()[1])
p = libc.malloc(16 << 20); ctypes.memset(p, 1, 16 << 20); libc.free(p)
base = rss()
big, small = [], []
for _ in range(200):
    q = libc.malloc(1 << 20); ctypes.memset(q, 1, 1 << 20); big.append(q)
    small.append(libc.malloc(3000))
for q in big:
    libc.free(q)
print(rss() - base)
'''


def _resident_after_free(mode: str) -> int:
    env = dict(os.environ)
    env.pop('MALLOC_MMAP_THRESHOLD_', None)
    out = subprocess.run([sys.executable, '-c', _PROBE, mode],
                         capture_output=True, text=True, env=env, check=True)
    return int(out.stdout.split()[-1])


@needs_glibc
def test_freed_blocks_leave_the_process():
    # the dynamic threshold keeps ~200 MB resident after the frees; with it
    # fixed, each 1 MB block had its own mapping and is gone
    assert _resident_after_free('plain') > 150 << 10
    assert _resident_after_free('bound') < 20 << 10


def test_environment_setting_wins(monkeypatch):
    monkeypatch.setattr(host_memory, '_applied', False)
    monkeypatch.setenv('MALLOC_MMAP_THRESHOLD_', '131072')
    calls = []
    monkeypatch.setattr(host_memory, '_glibc_mallopt',
                        lambda: lambda *a: calls.append(a) or 1)
    assert host_memory.bound_host_heap()
    assert calls == []


def test_no_glibc(monkeypatch):
    monkeypatch.setattr(host_memory, '_applied', False)
    monkeypatch.delenv('MALLOC_MMAP_THRESHOLD_', raising=False)
    monkeypatch.setattr(host_memory, '_glibc_mallopt', lambda: None)
    assert host_memory.bound_host_heap() is False


def test_applied_once(monkeypatch):
    monkeypatch.setattr(host_memory, '_applied', False)
    monkeypatch.delenv('MALLOC_MMAP_THRESHOLD_', raising=False)
    calls = []
    monkeypatch.setattr(host_memory, '_glibc_mallopt',
                        lambda: lambda *a: calls.append(a) or 1)
    assert host_memory.bound_host_heap() and host_memory.bound_host_heap()
    assert calls == [(host_memory.M_MMAP_THRESHOLD,
                      host_memory.HOST_MMAP_THRESHOLD)]
