# Copyright (c) mmsniper contributors. All rights reserved.
"""A FocusPixel head on a one-stage detector (AutoFocus with RetinaNet,
ATSS, ...): :class:`FocusSingleStageMixin`, shared by
:class:`~mmsniper.models.FocusRetinaNet` and
:class:`~mmsniper.models.FocusATSS`.

Which FPN level: the head keeps the two-stage choice, the stride-16 level
as the paper's res4 / res5 features. mmdet's one-stage FPN is P3-P7
(``start_level=1``, strides 8, 16, 32, 64, 128), so stride 16 is P4 at
``in_index=1`` (the two-stage P2-P6 FPN has it at ``in_index=2``). A head
whose ``in_index`` is not at its ``stride`` on the dense head's prior
strides raises (:func:`~.focus_head_mixin.check_focus_level`).
"""
from typing import Optional

from mmdet.structures import SampleList
from torch import Tensor

from .focus_head_mixin import FocusHeadMixin, _note_single_scale


class FocusSingleStageMixin(FocusHeadMixin):
    """A :class:`~mmsniper.models.FocusPixelHead` on an mmdet one-stage
    detector (put it before the detector class in the bases:
    ``class FocusRetinaNet(FocusSingleStageMixin, RetinaNet)``).

    Training: ``loss_focus`` is added to the dense head's losses (focal /
    box / centerness), on the same features. Its labels come from *all*
    boxes of each chip (the valid ``gt_instances`` and the invalid
    ``ignored_instances``, or the chip's ``chip_focus_bboxes``), as for
    the two-stage detectors; the dense head still gets the invalid boxes
    as ``batch_gt_instances_ignore`` (SNIPER's ignore rule in its
    assigner). ``train_cfg.focus_head_only=True`` freezes the detector and
    trains only the head.

    Inference: :meth:`predict` returns the detections of the dense head
    (its NMS) and ``pred_focus_map`` per sample, as
    :class:`~mmsniper.models.FocusFasterRCNN`; called directly it is
    single-scale inference and says so once. The test-time wrappers take
    the dense head's raw candidates and the map from one feature pass
    (:func:`~mmsniper.models.test_time.raw_predict.raw_detections`).

    Args:
        focus_head (dict): Config of the FocusPixel head (``in_index=1``
            for stride 16 on mmdet's P3-P7 FPN).
        Other args: as the detector's (``RetinaNet``, ``ATSS``).
    """

    def detector_loss(self, x: tuple,
                      batch_data_samples: SampleList) -> dict:
        """The dense head's losses (as ``SingleStageDetector.loss``)."""
        return self.bbox_head.loss(x, batch_data_samples)

    def predict(self,
                batch_inputs: Tensor,
                batch_data_samples: SampleList,
                rescale: bool = True,
                with_focus: Optional[bool] = None) -> SampleList:
        """Detections (as ``SingleStageDetector.predict``) plus
        ``pred_focus_map`` per sample (``with_focus``: run the FocusPixel
        head, default ``test_cfg.get('with_focus', True)``)."""
        _note_single_scale(type(self).__name__)
        x = self.extract_feat(batch_inputs)
        results_list = self.bbox_head.predict(
            x, batch_data_samples, rescale=rescale)
        batch_data_samples = self.add_pred_to_datasample(
            batch_data_samples, results_list)
        return self._add_focus_maps(x, batch_data_samples, with_focus)
