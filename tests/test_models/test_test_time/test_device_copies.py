"""Data stays on the model's device: during test_step of both wrappers the
original image is moved once (by the wrapper's data preprocessor), and no
image- or chip-sized tensor goes to the host (``.cpu()``, ``.numpy()``,
``.tolist()``) or comes from numpy (``torch.from_numpy``).

On the CPU nothing really moves, so the test counts the *calls*: Python
wrappers around ``torch.Tensor.to / cuda / cpu / numpy / tolist`` and
``torch.from_numpy`` record the size of the tensors they see; a wrapper
that, say, converted each chip to numpy for ``cv2`` would show up as big
``numpy`` calls, and one that re-sent the image per scale as more ``to``
calls on the image."""
import sys

import pytest
import torch

from mmsniper.models.test_time import AutoFocusDetector, SniperMultiScaleTTA
from mmsniper.models.test_time import chip_runner as tt_runner

pytestmark = pytest.mark.usefixtures('single_thread')

H, W = 96, 128


class Calls:

    def __init__(self, monkeypatch, images):
        self.events = []
        self.images = {img.untyped_storage().data_ptr() for img in images}
        for name in ('to', 'cuda', 'cpu', 'numpy', 'tolist'):
            self._wrap_method(monkeypatch, name)
        real_from_numpy = torch.from_numpy

        def from_numpy(arr):
            self.events.append(('from_numpy', int(arr.size), False, ''))
            return real_from_numpy(arr)

        monkeypatch.setattr(torch, 'from_numpy', from_numpy)

    def _wrap_method(self, monkeypatch, name):
        real = getattr(torch.Tensor, name)
        calls = self

        def wrapper(self, *args, **kwargs):
            is_image = self.untyped_storage().data_ptr() in calls.images
            caller = sys._getframe(1).f_code.co_filename
            calls.events.append((name, self.numel(), is_image, caller))
            return real(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, wrapper)

    def big(self, names, numel):
        return [e for e in self.events if e[0] in names and e[1] >= numel]


def _jobs_spy(monkeypatch):
    """The input sizes of the inner detector (chips and tiles)."""
    sizes = []
    real = tt_runner.crop_resize_tensor

    def spy(src, f, origin, shape, *a, **k):
        out = real(src, f, origin, shape, *a, **k)
        sizes.append(out.numel())
        return out

    monkeypatch.setattr(tt_runner, 'crop_resize_tensor', spy)
    return sizes


def _check(model, data, monkeypatch, min_jobs):
    batch = data(H, W, n=2)
    sizes = _jobs_spy(monkeypatch)
    calls = Calls(monkeypatch, batch['inputs'])
    out = model.test_step(batch)
    monkeypatch.undo()
    assert len(out) == 2 and len(sizes) >= min_jobs
    smallest = min(min(sizes), 3 * H * W)
    # the images: one `to` each, from the wrapper's data preprocessor
    moves = [e for e in calls.events if e[2]]
    assert [e[0] for e in moves] == ['to', 'to'], moves
    assert all(e[3].endswith('data_preprocessor.py') for e in moves)
    # nothing image- or chip-sized leaves the device or comes from numpy
    host = calls.big(('cpu', 'numpy', 'tolist', 'from_numpy'), smallest // 4)
    assert host == []
    # (the candidates and FocusPixel maps that do go to the host are small)
    assert calls.big(('cpu', 'numpy'), 1), 'the counters saw nothing'
    return out


def test_pyramid_keeps_data_on_device(plain_cfg, data, monkeypatch):
    torch.manual_seed(0)
    model = SniperMultiScaleTTA(
        module=plain_cfg,
        tta_cfg=dict(scales=[2.0, 1.0], valid_ranges=None,
                     det_budget=dict(per_mpix=1e3, min=20, max=20),
                     tile=dict(size=128, overlap=32))).eval()
    out = _check(model, data, monkeypatch, min_jobs=2 * (6 + 1))
    assert out[0].pixels_per_scale[1] == H * W


def test_autofocus_keeps_data_on_device(focus_cfg, data, monkeypatch):
    torch.manual_seed(0)
    model = AutoFocusDetector(
        module=focus_cfg,
        autofocus_cfg=dict(
            scales=[1.0, 2.0], valid_ranges=None,
            focus=dict(dilation=1, threshold=0.0, min_chip_cells=2),
            det_budget=dict(per_mpix=1e3, min=20, max=20))).eval()
    out = _check(model, data, monkeypatch, min_jobs=2 * 2)
    assert out[0].pixels_per_scale == [H * W, 4 * H * W]
