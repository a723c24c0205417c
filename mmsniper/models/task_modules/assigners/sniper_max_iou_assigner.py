# Copyright (c) mmsniper contributors. All rights reserved.
"""MaxIoUAssigner whose ignore regions also hold on chips without valid
boxes: :class:`SniperMaxIoUAssigner`."""
from typing import Optional

from mmdet.models.task_modules.assigners import AssignResult, MaxIoUAssigner
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import get_box_tensor
from mmengine.structures import InstanceData


@TASK_UTILS.register_module()
class SniperMaxIoUAssigner(MaxIoUAssigner):
    """mmdet's :class:`MaxIoUAssigner` where ignored boxes are ignored in
    every chip.

    SNIPER marks the boxes that a chip must not learn from (out of the
    scale's valid range, assigned to another chip, cut by the chip) as
    ignored: priors (anchors, RoIs) whose IoF with an ignored box exceeds
    ``ignore_iof_thr`` get no label, neither foreground nor background
    (``gt_inds = -1``, hence label weight 0 in the RPN and never sampled in
    the RoI head). mmdet's ``MaxIoUAssigner`` does this through
    ``gt_instances_ignore`` (filled from ``gt_ignore_flags`` by
    ``PackDetInputs`` / ``unpack_gt_instances``), **except when there is no
    valid ground truth**: it then returns early and makes every prior
    background, ignored boxes included. That is the common case of SNIPER:
    every negative chip, and every positive chip's neighbours whose boxes
    all belong to other chips or scales. This subclass applies the ignore
    regions in that case too; with valid ground truth it is identical to
    ``MaxIoUAssigner``.

    Args:
        ignore_iof_thr (float): IoF (intersection over the prior's area,
            with ``ignore_wrt_candidates=True``) above which a prior is
            ignored. Defaults to 0.3 (SNIPER's 0.3; the original used IoU).
        **kwargs: The other :class:`MaxIoUAssigner` arguments
            (``pos_iou_thr``, ``neg_iou_thr``, ``min_pos_iou``, ...).

    Examples:
        >>> rpn_assigner = dict(type='SniperMaxIoUAssigner',
        ...                     pos_iou_thr=0.5, neg_iou_thr=0.4,
        ...                     min_pos_iou=0.3, ignore_iof_thr=0.3)
    """

    def __init__(self, *args, ignore_iof_thr: float = 0.3, **kwargs) -> None:
        super().__init__(*args, ignore_iof_thr=ignore_iof_thr, **kwargs)

    def assign(self,
               pred_instances: InstanceData,
               gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None,
               **kwargs) -> AssignResult:
        """Assign as :meth:`MaxIoUAssigner.assign`, then, when there is no
        valid ground truth, set ``gt_inds = -1`` on the priors inside an
        ignored box."""
        result = super().assign(pred_instances, gt_instances,
                                gt_instances_ignore, **kwargs)
        if len(gt_instances.bboxes) > 0 or gt_instances_ignore is None:
            return result
        ignore = get_box_tensor(gt_instances_ignore.bboxes)
        priors = get_box_tensor(pred_instances.priors)
        if (self.ignore_iof_thr <= 0 or ignore.numel() == 0
                or priors.numel() == 0):
            return result
        ignore = ignore.to(priors.device)
        if self.ignore_wrt_candidates:
            iof = self.iou_calculator(priors, ignore, mode='iof')
            max_iof = iof.max(dim=1).values
        else:
            iof = self.iou_calculator(ignore, priors, mode='iof')
            max_iof = iof.max(dim=0).values
        ignored = (max_iof > self.ignore_iof_thr).to(result.gt_inds.device)
        result.gt_inds[ignored] = -1
        return result
