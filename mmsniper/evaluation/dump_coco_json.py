"""Write detections of any mmdet dataset as a COCO results json."""
import json
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmdet.registry import METRICS

from ..utils.io import atomic_write


def rle_list(masks, img_id) -> List[dict]:
    """JSON-ready COCO RLE dicts (``counts`` a str) of a prediction's
    masks: RLE dicts as they are, dense ``(N, H, W)`` masks encoded.

    Raises:
        TypeError: Masks of another kind (naming the image id).
    """
    import pycocotools.mask as mask_util
    import torch
    if isinstance(masks, torch.Tensor):
        masks = masks.detach().cpu().numpy()
    if isinstance(masks, np.ndarray):
        masks = [
            mask_util.encode(np.asfortranarray(m.astype(np.uint8)))
            for m in masks
        ]
    out = []
    for m in masks:
        if not (isinstance(m, dict) and 'counts' in m and 'size' in m):
            raise TypeError(f'DumpCocoJson: image {img_id}: masks must be '
                            'COCO RLE dicts or an (N, H, W) array, got '
                            f'{type(m).__name__}')
        counts = m['counts']
        out.append(
            dict(size=[int(v) for v in m['size']],
                 counts=counts.decode() if isinstance(counts, bytes)
                 else counts))
    return out


@METRICS.register_module()
class DumpCocoJson(BaseMetric):
    """Dump detections as a COCO-format results json (the format-only path
    used for evaluation servers), for any dataset.

    Each detection becomes ``{"image_id", "category_id", "bbox": [x, y, w, h],
    "score"}``, plus ``"segmentation"`` (COCO RLE, ``counts`` as a string)
    when the predictions have ``masks``: the test-time wrappers' RLE masks
    (:class:`~mmsniper.models.test_time.rle_masks.RLEMasks`, or any
    sequence of RLE dicts) are written as they are, dense ``(N, H, W)``
    masks (a plain Mask R-CNN) are encoded. Category ids come from
    ``ann_file`` when it is a COCO json (class names matched to its
    ``categories``), otherwise label + 1 in the order of
    ``dataset_meta['classes']``. The file is written to a temporary
    name and renamed, so an interrupted run never leaves a truncated json.

    Args:
        out_file (str): Path of the json to write.
        ann_file (str, optional): COCO annotation json of the evaluated
            split, used only to map class names to category ids.
            Defaults to None.
        collect_device (str): Device for collecting results across ranks.
            Defaults to 'cpu'.
    """
    default_prefix = 'dump'

    def __init__(self,
                 out_file: str,
                 ann_file: Optional[str] = None,
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        if not out_file.endswith('.json'):
            raise ValueError(f'DumpCocoJson out_file must end with .json, '
                             f'got {out_file!r}')
        self.out_file = out_file
        self.ann_file = ann_file

    def _cat_ids(self) -> List[int]:
        classes = list(self.dataset_meta['classes'])
        if self.ann_file and self.ann_file.endswith('.json') \
                and osp.isfile(self.ann_file):
            with open(self.ann_file) as f:
                cats = json.load(f).get('categories', [])
            by_name = {c['name']: c['id'] for c in cats}
            missing = [c for c in classes if c not in by_name]
            if missing:
                raise ValueError(
                    f'classes {missing} not found in the categories of '
                    f'{self.ann_file}')
            return [by_name[c] for c in classes]
        return list(range(1, len(classes) + 1))

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample['pred_instances']
            bboxes = pred['bboxes'].cpu().numpy().astype(np.float64)
            res = dict(
                img_id=sample['img_id'],
                bboxes=bboxes,
                scores=pred['scores'].cpu().numpy().astype(np.float64),
                labels=pred['labels'].cpu().numpy())
            if 'masks' in pred:
                res['masks'] = rle_list(pred['masks'], sample['img_id'])
            self.results.append(res)

    def compute_metrics(self, results: list) -> dict:
        cat_ids = self._cat_ids()
        dets = []
        for res in results:
            xywh = res['bboxes'].copy()
            xywh[:, 2:] -= xywh[:, :2]
            masks = res.get('masks', [None] * len(xywh))
            for box, score, label, rle in zip(xywh, res['scores'],
                                              res['labels'], masks):
                det = dict(
                    image_id=res['img_id'],
                    category_id=cat_ids[int(label)],
                    bbox=[round(float(v), 2) for v in box],
                    score=round(float(score), 5))
                if rle is not None:
                    det['segmentation'] = rle
                dets.append(det)
        with atomic_write(self.out_file) as f:
            json.dump(dets, f)
        MMLogger.get_current_instance().info(
            f'{len(dets)} detections of {len(results)} images written to '
            f'{self.out_file}')
        return dict(num_dets=len(dets))
