"""RLEMasks: through InstanceData (indexing, cat), mmdet's CocoMetric
(segm, as it is), DumpDetResults (``--out *.pkl``, lazily decoded) and
DetLocalVisualizer (a dense copy), and the size check."""
import json

import numpy as np
import pycocotools.mask as mask_util
import pytest
import torch
from mmdet.evaluation import CocoMetric, DumpDetResults
from mmengine.structures import InstanceData

from mmsniper.models.test_time.rle_masks import RLEMasks

H, W = 30, 40


def _rects():
    """Three rectangles as dense masks and their boxes."""
    boxes = [(2, 3, 12, 10), (15, 5, 35, 25), (5, 18, 14, 29)]
    dense = []
    for x1, y1, x2, y2 in boxes:
        m = np.zeros((H, W), np.uint8, order='F')
        m[y1:y2, x1:x2] = 1
        dense.append(m)
    return dense, boxes


def _masks():
    dense, boxes = _rects()
    return RLEMasks([mask_util.encode(m) for m in dense], (H, W)), boxes


def test_instance_data_indexing_and_cat():
    masks, boxes = _masks()
    inst = InstanceData(bboxes=torch.tensor(boxes, dtype=torch.float32),
                        scores=torch.tensor([0.9, 0.2, 0.6]),
                        labels=torch.tensor([0, 1, 0]), masks=masks)
    sub = inst[inst.scores > 0.5]
    assert isinstance(sub.masks, RLEMasks)
    assert sub.masks.areas().tolist() == [70, 99]
    picked = inst[torch.tensor([2, 0])]
    assert picked.masks.areas().tolist() == [99, 70]
    both = InstanceData.cat([sub, picked])
    assert len(both.masks) == 4 and both.masks.img_shape == (H, W)
    assert inst.to('cpu').masks is masks
    with pytest.raises(ValueError, match=r'mask 0 has size \[30, 41\]'):
        RLEMasks([mask_util.encode(np.zeros((30, 41), np.uint8,
                                            order='F'))], (H, W))


def test_lazy_dense_view():
    masks, _ = _masks()
    dense, _ = _rects()
    view = masks.numpy()
    assert len(view) == 3
    for got, want in zip(view, dense):
        assert got.shape == (H, W) and (got == want).all()
    stack = masks.astype(bool)  # mmdet's DetLocalVisualizer
    assert stack.shape == (3, H, W) and stack.dtype == bool
    assert (stack == np.stack(dense).astype(bool)).all()
    assert RLEMasks([], (H, W)).astype(bool).shape == (0, H, W)


def _sample(masks, boxes):
    return dict(img_id=1, ori_shape=(H, W),
                pred_instances=dict(
                    bboxes=torch.tensor(boxes, dtype=torch.float32),
                    scores=torch.tensor([0.9, 0.8, 0.7]),
                    labels=torch.tensor([0, 0, 0]), masks=masks))


def _gt_file(tmp_path):
    dense, boxes = _rects()
    anns = []
    for k, (m, (x1, y1, x2, y2)) in enumerate(zip(dense, boxes)):
        rle = mask_util.encode(m)
        rle['counts'] = rle['counts'].decode()
        anns.append(dict(id=k + 1, image_id=1, category_id=1, iscrowd=0,
                         bbox=[x1, y1, x2 - x1, y2 - y1],
                         area=float((x2 - x1) * (y2 - y1)),
                         segmentation=rle))
    path = tmp_path / 'gt.json'
    path.write_text(json.dumps(dict(
        images=[dict(id=1, width=W, height=H, file_name='a.png')],
        annotations=anns, categories=[dict(id=1, name='thing')])))
    return str(path)


def test_coco_metric_takes_rle_masks(tmp_path):
    """Perfect masks give segm mAP 1; one mask shifted off its object
    lowers segm only."""
    masks, boxes = _masks()
    metric = CocoMetric(ann_file=_gt_file(tmp_path), metric=['bbox', 'segm'])
    metric.dataset_meta = dict(classes=('thing', ))
    metric.process({}, [_sample(masks, boxes)])
    res = metric.evaluate(1)
    assert res['coco/bbox_mAP'] == pytest.approx(1.0)
    assert res['coco/segm_mAP'] == pytest.approx(1.0)
    dense, _ = _rects()
    wrong = np.asfortranarray(np.roll(dense[1], 12, axis=1))
    shifted = RLEMasks([masks[0], mask_util.encode(wrong), masks[2]], (H, W))
    metric = CocoMetric(ann_file=_gt_file(tmp_path), metric=['bbox', 'segm'])
    metric.dataset_meta = dict(classes=('thing', ))
    metric.process({}, [_sample(shifted, boxes)])
    res = metric.evaluate(1)
    assert res['coco/bbox_mAP'] == pytest.approx(1.0)
    assert res['coco/segm_mAP'] < 0.8


def test_dump_det_results(tmp_path):
    """mmdet's --out *.pkl: its encode_mask_results reads the lazy dense
    view."""
    masks, boxes = _masks()
    dump = DumpDetResults(out_file_path=str(tmp_path / 'r.pkl'))
    dump.process({}, [_sample(masks, boxes)])
    got = dump.results[0]['pred_instances']['masks']
    assert [mask_util.area(r) for r in got] == [70, 400, 99]
