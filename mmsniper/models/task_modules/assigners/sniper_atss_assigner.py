# Copyright (c) mmsniper contributors. All rights reserved.
"""ATSSAssigner with SNIPER's ignore rule: :class:`SniperATSSAssigner`.

Shape shorthands: ``n`` priors (anchors of all levels, level by level),
``L`` levels, ``k`` valid ground-truth boxes, ``m`` ignored (invalid) boxes.
"""
from typing import List, Optional

import torch
from mmdet.models.task_modules.assigners import AssignResult, ATSSAssigner
from mmdet.registry import TASK_UTILS
from mmengine.structures import InstanceData

from .sniper_max_iou_assigner import IGNORE_MODES, ignored_prior_mask


@TASK_UTILS.register_module()
class SniperATSSAssigner(ATSSAssigner):
    """mmdet's :class:`ATSSAssigner` with SNIPER's ignore rule.

    What "ignored" means for ATSS: ATSS places one square anchor per
    feature-map location (``octave_base_scale`` x stride); a location whose
    **anchor box** has IoU ``> ignore_thr`` (0.3, SNIPER's RPN value) with
    an invalid box (``gt_instances_ignore``) gets no label: ``gt_inds =
    -1``, so label weight 0 in the focal loss, no box or centerness loss,
    and it does not count in ``avg_factor`` (the positives). The ignored
    priors are taken out **before** ATSS's adaptive selection: they are
    never among a valid box's ``topk`` closest candidates and do not enter
    its IoU mean + std threshold. The other priors are assigned exactly as
    by :class:`ATSSAssigner` (among the kept priors); a location whose
    point lies inside an invalid box but whose anchor is much smaller than
    it (a finer level) stays background or a positive of a valid box nested
    in the invalid one, as SNIPER's RPN anchors.

    Differences from mmdet's ``ignore_iof_thr`` (off by default in mmdet):
    IoU instead of IoF (IoF makes every small anchor inside a large invalid
    box ignored, a nested valid box included), and the rule also holds when
    the chip has no valid box (mmdet returns early and makes every prior
    background).

    Args:
        topk (int): Candidates per level and valid box (ATSS's ``k``).
        alpha (float, optional): DDOD's cost weighting (see
            :class:`ATSSAssigner`). Defaults to None.
        iou_calculator (dict): Defaults to ``dict(type='BboxOverlaps2D')``.
        ignore_thr (float): Overlap with an invalid box above which a prior
            is ignored; 0 or negative ignores nothing. Defaults to 0.3.
        ignore_mode (str): ``'iou'`` (SNIPER) or ``'iof'`` (overlap over
            the prior's area). Defaults to ``'iou'``.

    Example:
        >>> assigner = dict(type='SniperATSSAssigner', topk=9,
        ...                 ignore_thr=0.3, ignore_mode='iou')
    """

    def __init__(self,
                 topk: int,
                 alpha: Optional[float] = None,
                 iou_calculator: dict = dict(type='BboxOverlaps2D'),
                 ignore_thr: float = 0.3,
                 ignore_mode: str = 'iou') -> None:
        super().__init__(topk, alpha=alpha, iou_calculator=iou_calculator,
                         ignore_iof_thr=-1)
        if ignore_mode not in IGNORE_MODES:
            raise ValueError(f'SniperATSSAssigner: ignore_mode must be one '
                             f'of {IGNORE_MODES}, got {ignore_mode!r}')
        self.ignore_thr = float(ignore_thr)
        self.ignore_mode = ignore_mode

    def assign(self,
               pred_instances: InstanceData,
               num_level_priors: List[int],
               gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None
               ) -> AssignResult:
        """ATSS on the priors that no invalid box takes out.

        Args:
            pred_instances (:obj:`InstanceData`): With ``priors`` ``[n, 4]``
                (and ``scores``/``bboxes`` with ``alpha``).
            num_level_priors (list[int]): ``L`` prior counts, summing to n.
            gt_instances (:obj:`InstanceData`): Valid boxes: ``bboxes``
                ``[k, 4]``, ``labels`` ``[k]``.
            gt_instances_ignore (:obj:`InstanceData`, optional): Invalid
                boxes: ``bboxes`` ``[m, 4]``. Defaults to None.

        Returns:
            :obj:`AssignResult`: ``gt_inds`` ``[n]``: -1 ignored, 0
            background, ``i + 1`` valid box ``i``; ``labels`` ``[n]`` (-1
            where not positive).
        """
        priors = pred_instances.priors
        if sum(num_level_priors) != priors.shape[0]:
            raise ValueError(
                f'SniperATSSAssigner: num_level_priors {num_level_priors} '
                f'sum to {sum(num_level_priors)}, not to the '
                f'{priors.shape[0]} priors')
        ignore = (None if gt_instances_ignore is None else
                  gt_instances_ignore.bboxes)
        ignored = ignored_prior_mask(self.iou_calculator, priors[:, :4],
                                     ignore, self.ignore_thr,
                                     self.ignore_mode)
        if ignored is None or not ignored.any():
            return super().assign(pred_instances, num_level_priors,
                                  gt_instances)
        kept = ~ignored
        level = torch.repeat_interleave(
            torch.arange(len(num_level_priors), device=priors.device),
            torch.as_tensor(num_level_priors, device=priors.device))
        kept_per_level = torch.bincount(
            level[kept], minlength=len(num_level_priors)).tolist()
        sub = super().assign(pred_instances[kept], kept_per_level,
                             gt_instances)
        n = priors.shape[0]
        gt_inds = sub.gt_inds.new_full((n, ), -1)
        gt_inds[kept] = sub.gt_inds
        max_overlaps = sub.max_overlaps.new_zeros((n, ))
        max_overlaps[kept] = sub.max_overlaps
        labels = gt_inds.new_full((n, ), -1)
        if sub.labels is not None:
            labels[kept] = sub.labels
        return AssignResult(sub.num_gts, gt_inds, max_overlaps, labels=labels)
