# Copyright (c) mmsniper contributors. All rights reserved.
"""mmdet's ``DumpProposals`` writing the proposal file of SNIPER's negative
chip mining: :class:`DumpSniperProposals`."""
import os.path as osp
import time
from typing import Dict, Hashable, Optional, Sequence

import numpy as np
from mmdet.evaluation.metrics import DumpProposals
from mmdet.registry import METRICS
from mmengine.logging import MMLogger

from ..datasets.proposals import save_proposals
from ..fileio import AtomicLocalBackend  # noqa: F401  ('atomic_local')


@METRICS.register_module()
class DumpSniperProposals(DumpProposals):
    """Write the predicted proposals of every image as an mmsniper proposal
    file (``mmsniper/datasets/proposals.py``: ``img_id -> float32 [P, 5]``
    x1, y1, x2, y2, score in original-image pixels, plus ``meta``), the file
    that ``SniperDataset(proposal_file=...)`` / ``NegChipMine`` read.

    As mmdet's ``DumpProposals``: the parts of the ranks are collected on
    rank 0 (mmengine's ``collect_results``; ``collect_dir`` is the folder
    they meet in with ``collect_device='cpu'``, removed afterwards) and rank
    0 writes the file. Unlike it, the file is keyed by ``img_id`` (not by
    the image's file name), keeps the proposals in the order the model gave
    them (:class:`~mmsniper.models.test_time.SniperProposalTTA`: per scale
    by score, then the merging NMS) and is written all-or-nothing (a
    temporary file renamed over the target; the ``'atomic_local'`` backend
    unless ``backend_args`` names another one).

    Args:
        proposals_file (str): Path of the ``.pkl`` to write.
        meta (dict, optional): Stored under ``'meta'`` (scales, top-N,
            checkpoint, ...); ``seconds`` (from the first batch to the
            write) is added. Defaults to None.
        num_max_proposals (int, optional): Keep at most this many of each
            image (the first ones). Defaults to None (all).
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None (``dict(backend='atomic_local')``).
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to 'cpu'.
        collect_dir (str, optional): Folder of the ranks' parts with
            ``collect_device='cpu'``, on a filesystem all ranks share.
            Defaults to None (mmengine's ``./.dist_test``).
        prefix (str, optional): Metric name prefix. Defaults to None
            (``'dump_proposals'``).

    Raises:
        AssertionError: ``proposals_file`` does not end with ``.pkl`` /
            ``.pickle`` (mmdet's check).
        KeyError: A data sample without ``img_id`` (naming its image).
    """

    def __init__(self,
                 proposals_file: str,
                 meta: Optional[dict] = None,
                 num_max_proposals: Optional[int] = None,
                 backend_args: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None,
                 prefix: Optional[str] = None) -> None:
        path = osp.abspath(proposals_file)
        super().__init__(
            output_dir=osp.dirname(path),
            proposals_file=osp.basename(path),
            num_max_proposals=num_max_proposals,
            backend_args=backend_args or dict(backend='atomic_local'),
            collect_device=collect_device,
            prefix=prefix)
        self.collect_dir = collect_dir
        self.meta = dict(meta or {})
        self._start: Optional[float] = None

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Keep ``(img_id, float32 [P, 5])`` of each data sample.

        Args:
            data_batch (dict): The dataloader batch (unused).
            data_samples (Sequence[dict]): Model outputs with ``img_id`` and
                ``pred_instances`` (``bboxes`` ``[P, 4]``, ``scores``
                ``[P]``).
        """
        if self._start is None:
            self._start = time.time()
        for sample in data_samples:
            if 'img_id' not in sample:
                raise KeyError(
                    f"{type(self).__name__}: the data sample of image "
                    f"{sample.get('img_path', '?')} has no 'img_id' (add it "
                    "to PackDetInputs' meta_keys)")
            pred = sample['pred_instances']
            boxes = pred['bboxes'][:self.num_max_proposals]
            scores = pred['scores'][:self.num_max_proposals]
            props = np.concatenate([
                boxes.cpu().numpy().reshape(-1, 4),
                scores.cpu().numpy().reshape(-1, 1)
            ], axis=1).astype(np.float32)
            self.results.append((sample['img_id'], props))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Write the proposal file (rank 0).

        Args:
            results (list): ``(img_id, [P, 5])`` of every image.

        Returns:
            dict: ``num_images`` and ``mean_per_image``.
        """
        props: Dict[Hashable, np.ndarray] = {}
        for img_id, boxes in results:
            props[img_id] = boxes
        meta = dict(self.meta)
        if self._start is not None:
            meta['seconds'] = round(time.time() - self._start, 1)
        save_proposals(
            self.proposals_file,
            props,
            meta=meta,
            backend_args=self.backend_args)
        mean = float(np.mean([len(v) for v in props.values()])) \
            if props else 0.
        MMLogger.get_current_instance().info(
            f'proposals of {len(props)} images, {mean:.0f} per image, '
            f'written to {self.proposals_file}')
        return dict(num_images=len(props), mean_per_image=mean)
