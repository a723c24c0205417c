# Copyright (c) mmsniper contributors. All rights reserved.
"""Run an mmsniper / mmdet detector under SAHI sliced inference.

``SahiDetectorModel`` is a ``sahi.models.base.DetectionModel`` around an
already built detector: every image SAHI hands it (a slice, or the whole
image for SAHI's "standard prediction") is resized so that its long side is
``input_size`` (as an mmdet test pipeline's ``Resize`` would) and run
through the detector; boxes come back in the input's pixels. It counts the
pixels it processed, for comparisons with AutoFocus. ``sahi`` is imported
lazily (``pip install sahi==0.12.8``).

Example:
    >>> from sahi.predict import get_sliced_prediction
    >>> sahi_model = SahiDetectorModel(detector, classes, input_size=768)
    >>> res = get_sliced_prediction(img_bgr[..., ::-1], sahi_model,
    ...                             slice_height=512, slice_width=512)
"""
from typing import List, Optional, Sequence

import numpy as np
import torch

try:
    from sahi.models.base import DetectionModel
    from sahi.prediction import ObjectPrediction
except ImportError:  # pragma: no cover
    DetectionModel = object
    ObjectPrediction = None


class SahiDetectorModel(DetectionModel):
    """SAHI detection model around a (plain) detector ``nn.Module``.

    Args:
        detector (nn.Module): A built detector (eval mode, weights loaded).
        classes (Sequence[str]): Class names, index = label.
        input_size (int): Long side each input is resized to. Defaults to
            768 (a 512 px slice zoomed 1.5x).
        confidence_threshold (float): Defaults to 0.05.
        max_per_img (int): Detections kept per input. Defaults to 100.
        rpn_budget (dict, optional): Proposals per megapixel, as
            ``SniperMultiScaleTTA``'s. Defaults to None.
        det_budget (dict, optional): Detections per megapixel, as
            ``SniperMultiScaleTTA``'s. Defaults to None.
    """

    def __init__(self,
                 detector,
                 classes: Sequence[str],
                 input_size: int = 768,
                 confidence_threshold: float = 0.05,
                 max_per_img: int = 100,
                 rpn_budget: Optional[dict] = None,
                 det_budget: Optional[dict] = None) -> None:
        if ObjectPrediction is None:
            raise ImportError('SahiDetectorModel needs sahi: '
                              'pip install sahi==0.12.8')
        from ..models.test_time import SniperMultiScaleTTA
        self.classes = list(classes)
        self.runner = SniperMultiScaleTTA(
            detector=detector,
            tta_cfg=dict(
                scales=[int(input_size)], valid_ranges=None, nms=None,
                max_per_img=max_per_img, rpn_budget=rpn_budget,
                det_budget=det_budget))
        self.pixels = 0
        super().__init__(
            model=detector,
            confidence_threshold=confidence_threshold,
            category_mapping={str(i): c for i, c in enumerate(self.classes)},
            load_at_init=True,
            device='cpu')

    def load_model(self) -> None:  # pragma: no cover - model given
        raise RuntimeError('SahiDetectorModel takes a built detector')

    def set_model(self, model, **kwargs) -> None:
        self.model = model

    @torch.no_grad()
    def perform_inference(self, image: np.ndarray) -> None:
        """``image``: (H, W, 3) RGB, as SAHI passes it."""
        from mmdet.structures import DetDataSample
        bgr = np.ascontiguousarray(image[..., ::-1])
        h, w = bgr.shape[:2]
        sample = DetDataSample(metainfo=dict(ori_shape=(h, w),
                                             img_shape=(h, w)))
        res = self.runner.predict([torch.from_numpy(bgr).permute(2, 0, 1)],
                                  [sample])[0]
        self.pixels += res.pixels_processed
        inst = res.pred_instances
        self._original_predictions = [
            dict(
                bboxes=inst.bboxes.cpu().numpy(),
                scores=inst.scores.cpu().numpy(),
                labels=inst.labels.cpu().numpy())
        ]

    def _create_object_prediction_list_from_original_predictions(
            self, shift_amount_list=[[0, 0]], full_shape_list=None) -> None:
        from sahi.utils.compatibility import (fix_full_shape_list,
                                              fix_shift_amount_list)
        shift_amount_list = fix_shift_amount_list(shift_amount_list)
        full_shape_list = fix_full_shape_list(full_shape_list)
        out: List[list] = []
        for i, pred in enumerate(self._original_predictions):
            shift = [int(v) for v in shift_amount_list[i]]
            full = None if full_shape_list is None else [
                int(v) for v in full_shape_list[i]]
            objs = []
            for box, score, label in zip(pred['bboxes'], pred['scores'],
                                         pred['labels']):
                if score < self.confidence_threshold:
                    continue
                box = [float(v) for v in box]
                if not (box[0] < box[2] and box[1] < box[3]):
                    continue
                objs.append(
                    ObjectPrediction(
                        bbox=box,
                        category_id=int(label),
                        category_name=self.classes[int(label)],
                        score=float(score),
                        shift_amount=shift,
                        full_shape=full))
            out.append(objs)
        self._object_prediction_list_per_image = out
