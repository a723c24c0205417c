"""One split's images and boxes, and one image through a test-time
wrapper: the shared I/O of tools/analysis/benchmark_inference.py and
tools/analysis/focus_coverage.py."""
import json
import os.path as osp
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch


def load_split(root: str, split: str, num: int = 0,
               skip_crowd: bool = False) -> Tuple[dict, list, Dict[int, list]]:
    """The COCO annotations of ``<root>/annotations/instances_<split>.json``.

    Args:
        root (str): The data root.
        split (str): The split name (its images lie in ``<root>/<split>``).
        num (int): Keep the first ``num`` images by id; 0 keeps all.
            Defaults to 0.
        skip_crowd (bool): Leave ``iscrowd`` boxes out of the ground truth.
            Defaults to False.

    Returns:
        tuple: The loaded json, the kept image entries sorted by id, and
        their boxes ``{image id: [[x1, y1, x2, y2], ...]}``.
    """
    with open(osp.join(root, 'annotations', f'instances_{split}.json')) as f:
        ann = json.load(f)
    images = sorted(ann['images'], key=lambda im: im['id'])
    if num > 0:
        images = images[:num]
    gts: Dict[int, list] = {im['id']: [] for im in images}
    for a in ann['annotations']:
        if a['image_id'] in gts and not (skip_crowd and a.get('iscrowd', 0)):
            x, y, w, h = a['bbox']
            gts[a['image_id']].append([x, y, x + w, y + h])
    return ann, images, gts


@torch.no_grad()
def predict_sample(model: torch.nn.Module,
                   img: np.ndarray,
                   gt: Optional[np.ndarray] = None,
                   device: Union[str, torch.device] = 'cpu'):
    """The result sample of a test-time wrapper on one image.

    Args:
        model (nn.Module): A wrapper with ``predict_images`` (AutoFocus,
            the oracle or the pyramid).
        img (np.ndarray): BGR ``(H, W, 3)`` uint8.
        gt (np.ndarray, optional): Boxes ``(N, 4)`` xyxy, put into the
            sample for the oracle. Defaults to None.
        device (str | torch.device): Where the image goes. Defaults to
            'cpu'.

    Returns:
        DetDataSample: ``pred_instances``, ``pixels_processed``,
        ``pixels_per_scale`` and the wrapper's other fields (AutoFocus:
        ``focus_chips``, ``scale_factors``).
    """
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    h, w = img.shape[:2]
    sample = DetDataSample(metainfo=dict(ori_shape=(h, w), img_shape=(h, w)))
    if gt is not None:
        boxes = torch.as_tensor(gt, dtype=torch.float32).reshape(-1, 4)
        sample.gt_instances = InstanceData(
            bboxes=boxes.to(device),
            labels=torch.zeros(len(boxes), dtype=torch.long))
    image = torch.from_numpy(np.ascontiguousarray(img)).permute(
        2, 0, 1).to(device)
    return model.predict_images([image], [sample])[0]
