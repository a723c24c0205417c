# Copyright (c) mmsniper contributors. All rights reserved.
"""Run an mmsniper / mmdet detector under SAHI sliced inference.

``SahiDetectorModel`` is a ``sahi.models.base.DetectionModel`` around an
already built detector: every image SAHI hands it (a slice, or the whole
image for SAHI's "standard prediction") is resized so that its long side is
``input_size`` (as an mmdet test pipeline's ``Resize`` would) and run
through the detector by a one-scale
:class:`~mmsniper.models.SniperMultiScaleTTA` (``module`` the detector; no
valid range, no NMS across inputs: SAHI merges), on the detector's device
(:func:`predict_rgb`); boxes come back in the input's pixels. It counts the
pixels it processed, for comparisons with AutoFocus. ``sahi`` is imported
lazily (``pip install sahi==0.12.8``); :func:`one_scale_wrapper` and
:func:`predict_rgb` work without it.

Example:
    >>> from sahi.predict import get_sliced_prediction
    >>> sahi_model = SahiDetectorModel(detector, classes, input_size=768)
    >>> res = get_sliced_prediction(img_bgr[..., ::-1], sahi_model,
    ...                             slice_height=512, slice_width=512)
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

try:
    from sahi.models.base import DetectionModel
    from sahi.prediction import ObjectPrediction
except ImportError:  # pragma: no cover
    DetectionModel = object
    ObjectPrediction = None


def one_scale_wrapper(detector: nn.Module,
                      input_size: int,
                      max_per_img: int = 100,
                      rpn_budget: Optional[dict] = None,
                      det_budget: Optional[dict] = None) -> nn.Module:
    """A :class:`~mmsniper.models.SniperMultiScaleTTA` that runs
    ``detector`` on the whole input resized to long side ``input_size``.

    Args:
        detector (nn.Module): The built detector (weights loaded).
        input_size (int): Long side of the detector's input (px).
        max_per_img (int): Detections kept per input. Defaults to 100.
        rpn_budget (dict, optional): Proposals per megapixel
            (``tta_cfg.rpn_budget``). Defaults to None.
        det_budget (dict, optional): Detections per megapixel
            (``tta_cfg.det_budget``). Defaults to None.

    Returns:
        nn.Module: The wrapper, in eval mode; its ``module`` is
        ``detector``.
    """
    from ..models.test_time import SniperMultiScaleTTA
    return SniperMultiScaleTTA(
        module=detector,
        tta_cfg=dict(
            scales=[int(input_size)], valid_ranges=None, nms=None,
            max_per_img=int(max_per_img), rpn_budget=rpn_budget,
            det_budget=det_budget)).eval()


@torch.no_grad()
def predict_rgb(wrapper: nn.Module, image: np.ndarray
                ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Detections of one RGB image with a test-time wrapper.

    Args:
        wrapper (nn.Module): A ``SniperMultiScaleTTA`` /
            ``AutoFocusDetector`` (the image goes to its ``module``'s
            device, in the BGR order mmdet detectors are trained on).
        image (np.ndarray): ``(H, W, 3)`` uint8 RGB, as SAHI passes it.

    Returns:
        tuple: Boxes ``(N, 4)`` xyxy in ``image`` px, scores ``(N,)``,
        labels ``(N,)`` (numpy) and the pixels processed.

    Raises:
        ValueError: When ``image`` is not ``(H, W, 3)``.
    """
    from mmdet.structures import DetDataSample
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError('predict_rgb expects an (H, W, 3) RGB image, got '
                         f'shape {tuple(image.shape)}')
    bgr = np.ascontiguousarray(image[..., ::-1])
    h, w = bgr.shape[:2]
    device = next(wrapper.module.parameters()).device
    sample = DetDataSample(metainfo=dict(ori_shape=(h, w), img_shape=(h, w)))
    res = wrapper.predict_images(
        [torch.from_numpy(bgr).permute(2, 0, 1).to(device)], [sample])[0]
    inst = res.pred_instances
    return (inst.bboxes.cpu().numpy().reshape(-1, 4),
            inst.scores.cpu().numpy(), inst.labels.cpu().numpy(),
            int(res.pixels_processed))


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
        self.classes = list(classes)
        self.runner = one_scale_wrapper(detector, input_size, max_per_img,
                                        rpn_budget, det_budget)
        self.pixels = 0
        super().__init__(
            model=detector,
            confidence_threshold=confidence_threshold,
            category_mapping={str(i): c for i, c in enumerate(self.classes)},
            load_at_init=True,
            device=str(next(detector.parameters()).device))

    def load_model(self) -> None:  # pragma: no cover - model given
        raise RuntimeError('SahiDetectorModel takes a built detector')

    def set_model(self, model, **kwargs) -> None:
        self.model = model

    def perform_inference(self, image: np.ndarray) -> None:
        """``image``: (H, W, 3) RGB, as SAHI passes it."""
        bboxes, scores, labels, pixels = predict_rgb(self.runner, image)
        self.pixels += pixels
        self._original_predictions = [
            dict(bboxes=bboxes, scores=scores, labels=labels)
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
