# Copyright (c) mmsniper contributors. All rights reserved.
"""Proposals of a trained RPN over a dataset at the training scales, for
SNIPER's negative chips (spec 2). ``tools/extract_proposals.py`` is the
command-line front end."""
import copy
from typing import Dict, Hashable, List, Optional, Sequence, Tuple

import mmcv
import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.dist import collect_results, get_dist_info
from mmengine.fileio import get
from mmengine.logging import print_log
from mmengine.utils import ProgressBar
from mmdet.registry import DATASETS
from mmdet.structures import DetDataSample

from ..chips.crop_resize import crop_resize_np
from ..chips.scales import DEFAULT_SCALES, scale_factor, scaled_size


def sniper_train_cfg(cfg: Config) -> Tuple[dict, dict]:
    """The wrapped dataset config and the ``chip_cfg`` of a config whose
    ``train_dataloader.dataset`` is a ``SniperDataset`` (a plain dataset
    config is returned as is, with an empty ``chip_cfg``)."""
    ds = cfg.train_dataloader.dataset
    if ds.get('type') == 'SniperDataset':
        return ds.dataset, dict(ds.get('chip_cfg', None) or {})
    return ds, {}


def build_image_dataset(dataset_cfg: dict):
    """The images to extract from: ``dataset_cfg`` built without its
    pipelines (only ``img_path`` / ``img_id`` / size are used)."""
    dataset_cfg = ConfigDict(copy.deepcopy(dict(dataset_cfg)))

    def strip(c):
        if 'pipeline' in c:
            c['pipeline'] = []
        for sub in c.get('datasets', []):
            strip(sub)
        if isinstance(c.get('dataset'), dict):
            strip(c['dataset'])

    strip(dataset_cfg)
    dataset = DATASETS.build(dataset_cfg)
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    return dataset


@torch.no_grad()
def image_proposals(model,
                    img: np.ndarray,
                    scales: Sequence = DEFAULT_SCALES,
                    num_per_scale: int = 300,
                    nms_iou: Optional[float] = 0.7,
                    img_id: Hashable = None) -> np.ndarray:
    """Proposals of one image at every scale, in original pixels.

    Args:
        model: An mmdet ``RPN`` (or any detector whose ``test_step`` returns
            ``pred_instances`` with ``bboxes`` and ``scores``), in eval
            mode; its ``test_cfg`` does the per-scale NMS and top-N.
        img (np.ndarray): ``[H, W, 3]`` BGR image; resized per scale by
            :func:`~mmsniper.chips.crop_resize.crop_resize_np` (the
            training chips' rule) to ``scaled_size``, boxes mapped back by
            the factor.
        scales (Sequence): Scale specs (see :mod:`mmsniper.chips.scales`).
        num_per_scale (int): Top-N kept per scale (by score).
        nms_iou (float, optional): IoU of a final NMS over the union of the
            scales (the original's load-time ``nmsp`` at 0.7); None skips
            it.
        img_id (Hashable): Stored in the data sample's metainfo.

    Returns:
        np.ndarray: float32 ``[P, 5]`` x1y1x2y2 + score.
    """
    h, w = img.shape[:2]
    parts = []
    for spec in scales:
        f = scale_factor(spec, (h, w))
        sh, sw = scaled_size((h, w), f)
        # the whole image resized by f with the rule of the training chips
        # and of the test-time wrappers (input px = original px * f)
        resized = crop_resize_np(img, f, (0., 0.), (sh, sw))
        inputs = torch.from_numpy(np.ascontiguousarray(
            resized.transpose(2, 0, 1)))
        sample = DetDataSample(
            metainfo=dict(
                img_id=img_id,
                ori_shape=(h, w),
                img_shape=(sh, sw),
                scale_factor=(f, f)))
        out = model.test_step(dict(inputs=[inputs], data_samples=[sample]))
        pred = out[0].pred_instances
        boxes = pred.bboxes.float().cpu()
        scores = pred.scores.float().cpu()
        order = scores.argsort(descending=True)[:num_per_scale]
        parts.append(torch.cat([boxes[order], scores[order, None]], dim=1))
    props = torch.cat(parts) if parts else torch.zeros(0, 5)
    if nms_iou is not None and len(props):
        from mmcv.ops import nms
        _, keep = nms(props[:, :4].contiguous(), props[:, 4].contiguous(),
                      float(nms_iou))
        props = props[keep]
    return props.numpy().astype(np.float32).reshape(-1, 5)


def extract_proposals(model,
                      dataset,
                      scales: Sequence = DEFAULT_SCALES,
                      num_per_scale: int = 300,
                      nms_iou: Optional[float] = 0.7,
                      backend_args: Optional[dict] = None,
                      progress: bool = True,
                      tmpdir: Optional[str] = None
                      ) -> Optional[Dict[Hashable, np.ndarray]]:
    """Proposals of every image of ``dataset``; distributed over the ranks
    (image ``i`` on rank ``i % world_size``) and collected on rank 0.

    The ranks' parts are collected through files (mmengine's
    ``collect_results(device='cpu')``: each rank pickles its part into
    ``tmpdir``, rank 0 alone loads them all and removes the folder), which
    works with any backend (gloo on CPU, nccl on GPUs) and keeps the
    dataset's proposals off the GPUs; ``tmpdir`` must be on a filesystem
    that all ranks share.

    Args:
        tmpdir (str, optional): Folder of the parts of a distributed run
            (the same path on every rank); None: a new folder under
            ``./.dist_test`` (mmengine's default).

    Returns:
        dict | None: ``img_id -> float32 [P, 5]`` on rank 0, None on the
        other ranks.
    """
    rank, world = get_dist_info()
    model.eval()
    mine: List[Tuple[Hashable, np.ndarray]] = []
    inds = list(range(rank, len(dataset), world))
    bar = ProgressBar(len(inds)) if (progress and rank == 0) else None
    for i in inds:
        info = dataset.get_data_info(i)
        img_id = info.get('img_id', i)
        img = mmcv.imfrombytes(
            get(info['img_path'], backend_args=backend_args), flag='color')
        mine.append((img_id,
                     image_proposals(model, img, scales, num_per_scale,
                                     nms_iou, img_id)))
        if bar is not None:
            bar.update()
    if world > 1:
        allp = collect_results(mine, len(dataset), device='cpu',
                               tmpdir=tmpdir)
    else:
        allp = mine
    if rank != 0:
        return None
    out = {}
    for img_id, props in allp:
        out[img_id] = props
    if bar is not None:
        print_log(
            f'\nproposals of {len(out)} images, '
            f'{np.mean([len(v) for v in out.values()]):.0f} per image',
            logger='current')
    return out

