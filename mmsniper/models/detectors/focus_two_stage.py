# Copyright (c) mmsniper contributors. All rights reserved.
"""A FocusPixel head on a two-stage detector (AutoFocus, spec section 5.2):
:class:`FocusTwoStageMixin`, shared by :class:`~mmsniper.models.
FocusFasterRCNN` and :class:`~mmsniper.models.FocusMaskRCNN`.
"""
import copy
from typing import Optional

import torch
from mmdet.structures import SampleList
from torch import Tensor

from .focus_head_mixin import (SINGLE_SCALE_NOTE,  # noqa: F401
                               FocusHeadMixin, _note_single_scale,
                               inside_test_time_wrapper)

#: the single-scale note and its context are re-exported from here, their
#: home before the one-stage detectors shared them
__all__ = [
    'FocusTwoStageMixin', 'SINGLE_SCALE_NOTE', 'inside_test_time_wrapper'
]


class FocusTwoStageMixin(FocusHeadMixin):
    """A :class:`~mmsniper.models.FocusPixelHead` on an mmdet two-stage
    detector (put it before the detector class in the bases:
    ``class FocusFasterRCNN(FocusTwoStageMixin, FasterRCNN)``).

    Training: the FocusPixel loss (``loss_focus``) is added to the RPN and
    RoI losses (the RoI head's mask loss included, for Mask R-CNN). Its
    labels come from *all* boxes of each chip, the valid ``gt_instances``
    and the invalid ``ignored_instances`` that SNIPER's ``SnipChipCrop``
    marks (spec 5.1), so it trains on the same SNIPER chips.

    To add AutoFocus to an already trained detector, set
    ``train_cfg.focus_head_only=True`` (and ``load_from`` its checkpoint):
    the detector is frozen (eval mode, no gradients) and only the
    FocusPixel head trains, at the cost of a backbone forward pass.

    Inference: :meth:`predict` also returns the FocusPixel probability map
    of each input as ``data_sample.pred_focus_map`` (a ``PixelData`` whose
    ``prob`` is ``(1, h, w)`` on the head's cell grid, cropped to the image
    content; metainfo ``stride``), which
    :class:`~mmsniper.models.AutoFocusDetector` turns into FocusChips.
    Set ``test_cfg.with_focus=False`` to skip the head. Called directly
    (``tools/test.py`` without ``--tta``, validation during training) it is
    single-scale inference and says so once (a WARNING naming ``--tta`` and
    the ``*_autofocus-test.py`` config); the wrappers never call it (they
    use :func:`~mmsniper.models.test_time.raw_predict.raw_detections`).

    Args:
        focus_head (dict): Config of the FocusPixel head.
        Other args: as the detector's (``FasterRCNN``, ``MaskRCNN``).
    """

    prior_head_name = 'rpn_head'

    def detector_loss(self, x: tuple,
                      batch_data_samples: SampleList) -> dict:
        """RPN and RoI losses (as ``TwoStageDetector.loss``)."""
        losses = dict()
        proposal_cfg = self.train_cfg.get('rpn_proposal', self.test_cfg.rpn)
        rpn_data_samples = copy.deepcopy(batch_data_samples)
        for data_sample in rpn_data_samples:
            data_sample.gt_instances.labels = torch.zeros_like(
                data_sample.gt_instances.labels)
        rpn_losses, rpn_results_list = self.rpn_head.loss_and_predict(
            x, rpn_data_samples, proposal_cfg=proposal_cfg)
        for key in list(rpn_losses.keys()):
            if 'loss' in key and 'rpn' not in key:
                rpn_losses[f'rpn_{key}'] = rpn_losses.pop(key)
        losses.update(rpn_losses)
        losses.update(
            self.roi_head.loss(x, rpn_results_list, batch_data_samples))
        return losses

    def predict(self,
                batch_inputs: Tensor,
                batch_data_samples: SampleList,
                rescale: bool = True,
                with_focus: Optional[bool] = None) -> SampleList:
        """Detections (as ``TwoStageDetector.predict``) plus
        ``pred_focus_map`` per sample.

        Args:
            with_focus (bool, optional): Run the FocusPixel head. Defaults
                to ``test_cfg.get('with_focus', True)``.

        Returns:
            list[DetDataSample]: With ``pred_instances`` and (with the
            head) ``pred_focus_map``.
        """
        _note_single_scale(type(self).__name__)
        x = self.extract_feat(batch_inputs)
        if batch_data_samples[0].get('proposals', None) is None:
            rpn_results_list = self.rpn_head.predict(
                x, batch_data_samples, rescale=False)
        else:
            rpn_results_list = [s.proposals for s in batch_data_samples]
        results_list = self.roi_head.predict(
            x, rpn_results_list, batch_data_samples, rescale=rescale)
        batch_data_samples = self.add_pred_to_datasample(
            batch_data_samples, results_list)
        return self._add_focus_maps(x, batch_data_samples, with_focus)
