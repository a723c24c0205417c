"""Fixtures of the test-time wrapper tests: the tiny random-weight
detectors (CPU) and stub inner detectors whose output is a deterministic
function of their input."""
import cv2
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import mmsniper  # noqa: F401
from mmsniper.testing import tiny_focus_detector_cfg


@pytest.fixture(scope='session')
def focus_cfg(repo_root):
    """A FocusFasterRCNN config (5 classes, 50 proposals, FocusPixel head
    at stride 16)."""
    init_default_scope('mmdet')
    return tiny_focus_detector_cfg(repo_root)


@pytest.fixture(scope='session')
def plain_cfg(repo_root):
    """The same Faster R-CNN without the FocusPixel head."""
    init_default_scope('mmdet')
    return tiny_focus_detector_cfg(repo_root, focus=False)


class BlobDetector(nn.Module):
    """Stub inner detector: one box per 4-connected blob of pixels brighter
    than 128 (channel mean) in the content of each input (``img_shape``),
    score ``0.5 + 0.4 * (blob mean - 128) / 127``, label 0. It has no raw
    per-class output, so the wrappers reach it through
    :func:`~mmsniper.models.test_time.raw_predict.raw_detections`'
    fallback (its ``predict``); everything else (crops, tiles, pruning,
    merge) is the wrappers' own code."""

    def __init__(self) -> None:
        super().__init__()
        self.data_preprocessor = DetDataPreprocessor(pad_size_divisor=32)
        self.calls = []

    def test_step(self, data):  # BaseTTAModel requires it
        data = self.data_preprocessor(data, False)
        return self.predict(data['inputs'], data['data_samples'])

    def predict(self, inputs, samples, rescale=False):
        for x, s in zip(inputs, samples):
            h, w = s.img_shape
            self.calls.append((h, w))
            gray = x[:, :h, :w].float().mean(0).numpy()
            mask = (gray > 128).astype(np.uint8)
            n, lab, stats, _ = cv2.connectedComponentsWithStats(
                mask, connectivity=4)
            boxes, scores = [], []
            for k in range(1, n):
                bx, by, bw, bh = stats[k, :4]
                boxes.append([bx, by, bx + bw, by + bh])
                mean = float(gray[lab == k].mean())
                scores.append(0.5 + 0.4 * (mean - 128) / 127)
            inst = InstanceData()
            inst.bboxes = torch.tensor(boxes, dtype=torch.float32).reshape(
                -1, 4)
            inst.scores = torch.tensor(scores, dtype=torch.float32)
            inst.labels = torch.zeros(len(boxes), dtype=torch.long)
            s.pred_instances = inst
        return samples


@pytest.fixture
def blob_detector():
    return BlobDetector()


def blob_image(h: int, w: int, num: int, side=(6, 16), seed: int = 0
               ) -> (np.ndarray, np.ndarray):
    """``(3, h, w)`` uint8: noise in [0, 60] and ``num`` rectangles (sides
    in ``side``, brightness 160-250) at least 6 px apart; and their boxes
    ``(num, 4)``."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 61, (3, h, w), dtype=np.uint8)
    boxes = []
    while len(boxes) < num:
        bw, bh = rng.integers(side[0], side[1] + 1, 2)
        x1, y1 = rng.integers(0, w - bw), rng.integers(0, h - bh)
        box = np.array([x1, y1, x1 + bw, y1 + bh])
        if any(box[0] < b[2] + 6 and b[0] < box[2] + 6 and box[1] < b[3] + 6
               and b[1] < box[3] + 6 for b in boxes):
            continue
        boxes.append(box)
        img[:, y1:y1 + bh, x1:x1 + bw] = rng.integers(160, 251)
    return img, np.array(boxes, dtype=np.float32)


@pytest.fixture(scope='session')
def make_blob_image():
    return blob_image


def make_data(h: int, w: int, n: int = 1, seed: int = 0, img=None) -> dict:
    """A dataloader batch of ``n`` random uint8 ``(3, h, w)`` images."""
    rng = np.random.default_rng(seed)
    inputs = [
        torch.from_numpy(img) if img is not None else torch.from_numpy(
            rng.integers(0, 256, (3, h, w), dtype=np.uint8))
        for _ in range(n)
    ]
    samples = [
        DetDataSample(
            metainfo=dict(ori_shape=(h, w), img_shape=(h, w), img_id=i))
        for i in range(n)
    ]
    return dict(inputs=inputs, data_samples=samples)


@pytest.fixture(scope='session')
def data():
    return make_data
