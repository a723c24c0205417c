# Copyright (c) mmsniper contributors. All rights reserved.
"""MaxIoUAssigner with SNIPER's ignore rule: :class:`SniperMaxIoUAssigner`.

Shape shorthands: ``n`` priors (anchors, RoIs), ``k`` valid ground-truth
boxes, ``m`` ignored (invalid) boxes.
"""
import warnings
from typing import Optional, Tuple

from mmdet.models.task_modules.assigners import AssignResult, MaxIoUAssigner
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import get_box_tensor
from mmengine.structures import InstanceData
from torch import Tensor

#: Ways of measuring a prior against an ignored box.
IGNORE_MODES = ('iou', 'iof')


def ignored_prior_mask(iou_calculator,
                       priors: Tensor,
                       ignore_bboxes: Optional[Tensor],
                       ignore_thr: float,
                       ignore_mode: str = 'iou',
                       wrt_candidates: bool = True) -> Optional[Tensor]:
    """SNIPER's ignore rule: the priors that overlap an ignored box.

    Shared by :class:`SniperMaxIoUAssigner` and
    :class:`~mmsniper.models.task_modules.assigners.SniperATSSAssigner`.

    Args:
        iou_calculator: mmdet's ``BboxOverlaps2D`` (or alike).
        priors (Tensor | BaseBoxes): ``[n, 4]`` priors.
        ignore_bboxes (Tensor | BaseBoxes, optional): ``[m, 4]`` ignored
            boxes, same frame.
        ignore_thr (float): Overlap above which a prior is ignored; 0 or
            negative ignores nothing.
        ignore_mode (str): ``'iou'`` or ``'iof'`` (see
            :class:`SniperMaxIoUAssigner`). Defaults to ``'iou'``.
        wrt_candidates (bool): With ``'iof'``, the denominator is the
            prior's area (else the ignored box's). Defaults to True.

    Returns:
        Tensor, optional: bool ``[n]`` on the priors' device: overlap with
        some ignored box ``> ignore_thr``; None when nothing is ignored
        (rule off, no ignored box or no prior).
    """
    if ignore_thr <= 0 or ignore_bboxes is None:
        return None
    priors = get_box_tensor(priors)
    ignore = get_box_tensor(ignore_bboxes)
    if ignore.numel() == 0 or priors.numel() == 0:
        return None
    ignore = ignore.to(priors.device)
    if ignore_mode == 'iou':
        overlaps = iou_calculator(priors, ignore)  # [n, m]
    elif wrt_candidates:
        overlaps = iou_calculator(priors, ignore, mode='iof')
    else:
        overlaps = iou_calculator(ignore, priors, mode='iof').T
    return overlaps.max(dim=1).values > ignore_thr


@TASK_UTILS.register_module()
class SniperMaxIoUAssigner(MaxIoUAssigner):
    """mmdet's :class:`MaxIoUAssigner` with SNIPER's ignore rule.

    SNIPER marks the boxes that a chip must not learn from (out of the
    scale's valid range, assigned to another chip, cut by the chip border)
    as *invalid*; :class:`~mmsniper.datasets.transforms.SnipChipCrop` flags
    them ``gt_ignore_flags``, so they reach the assigner as
    ``gt_instances_ignore``. A prior whose overlap with an invalid box
    exceeds ``ignore_thr`` gets no label, neither foreground nor background
    (``gt_inds = -1``: label weight 0 in the RPN, never sampled in the RoI
    head). Every other prior is assigned as by :class:`MaxIoUAssigner`.

    The overlap is the **IoU** by default, as the original (spec 1.6: RPN
    anchors with IoU > 0.3 to an invalid box are ignored). mmdet's
    ``ignore_iof_thr`` uses the IoF (intersection over the prior's area)
    instead, which is right for crowd-like "don't care" regions but wrong
    for SNIPER: every small prior inside a large invalid box has IoF 1, so a
    small valid box lying on a large invalid one (a cup on a table at the
    fine scale) loses all its positives and the whole region is never
    background. ``ignore_mode='iof'`` keeps that rule available.

    Differences:

    - from mmdet: the ignore rule also holds when the chip has no valid box
      (mmdet returns early and makes every prior background, ignored boxes
      included): the case of every negative chip, and of every positive
      chip whose boxes all belong to other chips or scales;
    - from the original: as in mmdet, ignored priors are removed before the
      assignment, so the low-quality match of a valid box
      (``match_low_quality``) picks its best prior that is not ignored; the
      original labels the best anchor first and may then ignore it.

    Args:
        ignore_thr (float, optional): Overlap with an ignored box above
            which a prior is ignored; 0 or negative ignores nothing.
            Defaults to None: 0.3 (SNIPER's RPN value).
        ignore_mode (str, optional): ``'iou'`` (SNIPER) or ``'iof'``
            (mmdet's ``ignore_iof_thr``; the denominator is the prior's area
            when ``ignore_wrt_candidates``, else the ignored box's). Defaults
            to None: ``'iou'``, or ``'iof'`` with the deprecated
            ``ignore_iof_thr``.
        ignore_iof_thr (float, optional): Deprecated (it meant IoF). A
            positive value is ``ignore_thr`` with ``ignore_mode='iof'``; a
            value <= 0 (mmdet's "off", inherited from mmdet's base configs)
            has no effect. Both warn. Defaults to None.
        **kwargs: The other :class:`MaxIoUAssigner` arguments
            (``pos_iou_thr``, ``neg_iou_thr``, ``min_pos_iou``, ...).

    Examples:
        >>> # RPN (spec 1.6) and RoI head of the shipped configs
        >>> rpn_assigner = dict(type='SniperMaxIoUAssigner',
        ...                     pos_iou_thr=0.5, neg_iou_thr=0.4,
        ...                     min_pos_iou=0.3, ignore_thr=0.3,
        ...                     ignore_mode='iou')
        >>> rcnn_assigner = dict(type='SniperMaxIoUAssigner',
        ...                      pos_iou_thr=0.5, neg_iou_thr=0.5,
        ...                      min_pos_iou=0.5, match_low_quality=False,
        ...                      ignore_thr=0.5, ignore_mode='iou')
    """

    def __init__(self,
                 *args,
                 ignore_thr: Optional[float] = None,
                 ignore_mode: Optional[str] = None,
                 ignore_iof_thr: Optional[float] = None,
                 **kwargs) -> None:
        # the parent's IoF path stays off: assign() applies the rule
        super().__init__(*args, ignore_iof_thr=-1, **kwargs)
        if ignore_iof_thr is not None:
            ignore_thr, ignore_mode = self._legacy_ignore_iof_thr(
                ignore_iof_thr, ignore_thr, ignore_mode)
        if ignore_mode is None:
            ignore_mode = 'iou'
        if ignore_mode not in IGNORE_MODES:
            raise ValueError(f'SniperMaxIoUAssigner: ignore_mode must be one '
                             f'of {IGNORE_MODES}, got {ignore_mode!r}')
        self.ignore_thr = 0.3 if ignore_thr is None else float(ignore_thr)
        self.ignore_mode = ignore_mode

    @staticmethod
    def _legacy_ignore_iof_thr(
        ignore_iof_thr: float, ignore_thr: Optional[float],
        ignore_mode: Optional[str]
    ) -> Tuple[Optional[float], Optional[str]]:
        """``(ignore_thr, ignore_mode)`` given mmdet's ``ignore_iof_thr``.

        A value <= 0 is mmdet's "off", which a config inherits from mmdet's
        base models when it only changes the assigner's ``type``: it has no
        effect (warning). A positive value is the deprecated spelling of
        ``ignore_thr`` with ``ignore_mode='iof'`` (warning).
        """
        if ignore_iof_thr <= 0:
            warnings.warn(
                f'SniperMaxIoUAssigner: ignore_iof_thr={ignore_iof_thr} '
                "(mmdet's 'off', usually inherited from an mmdet base "
                'config) has no effect; the ignore rule is ignore_thr with '
                "ignore_mode (IoU > 0.3 by default). Give ignore_thr <= 0 "
                'to turn it off, or replace the inherited assigner with '
                '_delete_=True.', UserWarning)
            return ignore_thr, ignore_mode
        if ignore_thr is not None:
            raise ValueError('SniperMaxIoUAssigner: give ignore_thr, not '
                             'both ignore_thr and the deprecated '
                             'ignore_iof_thr')
        warnings.warn(
            'SniperMaxIoUAssigner: ignore_iof_thr is deprecated; it keeps '
            "the IoF rule (ignore_mode='iof'). SNIPER's rule is "
            "ignore_thr=0.3 with ignore_mode='iou' (the default).",
            FutureWarning)
        return ignore_iof_thr, 'iof' if ignore_mode is None else ignore_mode

    def ignored_priors(self, priors: Tensor,
                       ignore_bboxes: Optional[Tensor]) -> Optional[Tensor]:
        """Which priors the ignored boxes take out of the assignment.

        Args:
            priors (Tensor | BaseBoxes): ``[n, 4]`` priors.
            ignore_bboxes (Tensor | BaseBoxes, optional): ``[m, 4]`` ignored
                boxes, same frame.

        Returns:
            Tensor, optional: bool ``[n]`` on the priors' device: overlap
            with some ignored box ``> ignore_thr``; None when nothing is
            ignored (rule off, no ignored box or no prior).
        """
        return ignored_prior_mask(self.iou_calculator, priors, ignore_bboxes,
                                  self.ignore_thr, self.ignore_mode,
                                  self.ignore_wrt_candidates)

    def assign(self,
               pred_instances: InstanceData,
               gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None,
               **kwargs) -> AssignResult:
        """Assign ground truth to priors, SNIPER's ignored priors excepted.

        The steps of :meth:`MaxIoUAssigner.assign`, with the ignored priors
        (:meth:`ignored_priors`) taken out first and given ``gt_inds = -1``
        whether or not the chip has valid boxes.

        Args:
            pred_instances (:obj:`InstanceData`): With ``priors`` ``[n, 4]``.
            gt_instances (:obj:`InstanceData`): Valid boxes: ``bboxes``
                ``[k, 4]`` and ``labels`` ``[k]``.
            gt_instances_ignore (:obj:`InstanceData`, optional): Invalid
                boxes: ``bboxes`` ``[m, 4]``. Defaults to None.

        Returns:
            :obj:`AssignResult`: ``gt_inds`` ``[n]``: -1 ignored, 0
            background, ``i + 1`` valid box ``i``.
        """
        gt_bboxes = gt_instances.bboxes
        priors = pred_instances.priors
        gt_labels = gt_instances.labels
        ignore = (None if gt_instances_ignore is None else
                  gt_instances_ignore.bboxes)

        on_cpu = 0 < self.gpu_assign_thr < gt_bboxes.shape[0]
        if on_cpu:
            device = priors.device
            priors, gt_bboxes = priors.cpu(), gt_bboxes.cpu()
            gt_labels = gt_labels.cpu()
            ignore = None if ignore is None else ignore.cpu()

        overlaps = self.iou_calculator(gt_bboxes, priors)  # [k, n]
        ignored = self.ignored_priors(priors, ignore)
        if ignored is not None:
            overlaps[:, ignored] = -1
        result = self.assign_wrt_overlaps(overlaps, gt_labels)
        if ignored is not None:  # also when there is no valid box
            result.gt_inds[ignored.to(result.gt_inds.device)] = -1

        if on_cpu:
            result.gt_inds = result.gt_inds.to(device)
            result.max_overlaps = result.max_overlaps.to(device)
            if result.labels is not None:
                result.labels = result.labels.to(device)
        return result
