"""DumpCocoJson with instance masks: RLE masks (the wrappers' RLEMasks)
and dense masks (a plain Mask R-CNN) become COCO ``segmentation``; other
masks raise naming the image."""
import json

import numpy as np
import pycocotools.mask as mask_util
import pytest
import torch

from mmsniper.evaluation import DumpCocoJson
from mmsniper.models.test_time.rle_masks import RLEMasks


def _dense():
    masks = np.zeros((2, 20, 30), np.uint8)
    masks[0, 2:6, 3:8] = 1     # 20 px
    masks[1, 10:20, 0:30] = 1  # 300 px
    return masks


def _sample(masks):
    return dict(img_id=7, pred_instances=dict(
        bboxes=torch.tensor([[3., 2., 8., 6.], [0., 10., 30., 20.]]),
        scores=torch.tensor([0.9, 0.5]), labels=torch.tensor([0, 1]),
        masks=masks))


@pytest.mark.parametrize('kind', ['rle', 'tensor'])
def test_segmentation_written(tmp_path, kind):
    dense = _dense()
    if kind == 'rle':
        masks = RLEMasks([mask_util.encode(np.asfortranarray(m))
                          for m in dense], (20, 30))
    else:
        masks = torch.from_numpy(dense).bool()
    out = str(tmp_path / 'r.json')
    metric = DumpCocoJson(out_file=out)
    metric.dataset_meta = dict(classes=('a', 'b'))
    metric.process({}, [_sample(masks)])
    metric.evaluate(1)
    with open(out) as f:
        dets = json.load(f)
    assert [d['category_id'] for d in dets] == [1, 2]
    assert [mask_util.area(d['segmentation']) for d in dets] == [20, 300]
    assert all(isinstance(d['segmentation']['counts'], str) for d in dets)
    assert (mask_util.decode(dets[1]['segmentation']) == dense[1]).all()


def test_bad_masks_name_the_image(tmp_path):
    metric = DumpCocoJson(out_file=str(tmp_path / 'r.json'))
    with pytest.raises(TypeError, match='image 7: masks must be COCO RLE'):
        metric.process({}, [_sample([1, 2])])


def test_box_only_has_no_segmentation(tmp_path):
    out = str(tmp_path / 'r.json')
    metric = DumpCocoJson(out_file=out)
    metric.dataset_meta = dict(classes=('a', 'b'))
    sample = _sample(None)
    del sample['pred_instances']['masks']
    metric.process({}, [sample])
    metric.evaluate(1)
    with open(out) as f:
        assert all('segmentation' not in d for d in json.load(f))
