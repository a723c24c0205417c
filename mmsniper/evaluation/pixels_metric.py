# Copyright (c) mmsniper contributors. All rights reserved.
"""Processed-pixel statistics of multi-scale inference."""
from typing import Sequence

import numpy as np
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric


@METRICS.register_module()
class ProcessedPixelsMetric(BaseMetric):
    """Report how many pixels the detector processed per image.

    Reads ``pixels_processed`` and ``full_pyramid_pixels`` from each
    prediction's metainfo (set by ``SniperMultiScaleTTA`` and
    ``AutoFocusDetector``; a plain detector counts its resized input,
    ``img_shape``). Reports ``pixels/mpix_per_img`` (mean megapixels per
    image) and ``pixels/ratio_to_pyramid`` (total processed / total of the
    full pyramid, when known).

    Args:
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'pixels'.
    """
    default_prefix = 'pixels'

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pix = sample.get('pixels_processed', None)
            if pix is None:
                h, w = sample.get('img_shape', (0, 0))
                pix = h * w
            self.results.append(
                (float(pix), float(sample.get('full_pyramid_pixels', 0))))

    def compute_metrics(self, results: list) -> dict:
        if not results:
            return {}
        arr = np.asarray(results, dtype=np.float64)
        out = dict(mpix_per_img=float(arr[:, 0].mean() / 1e6))
        if (arr[:, 1] > 0).all():
            out['ratio_to_pyramid'] = float(arr[:, 0].sum() / arr[:, 1].sum())
        return out
