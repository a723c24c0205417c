# Copyright (c) mmsniper contributors. All rights reserved.
"""Processed-pixel statistics of multi-scale inference."""
from typing import List, Optional, Sequence

import numpy as np
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log


@METRICS.register_module()
class ProcessedPixelsMetric(BaseMetric):
    """Report how many pixels the detector processed per image.

    Reads ``pixels_processed``, ``full_pyramid_pixels`` and
    ``pixels_per_scale`` from each prediction's metainfo (set by
    ``SniperMultiScaleTTA`` and ``AutoFocusDetector``; a plain detector
    counts its resized input, ``img_shape``). Returns

    - ``pixels/mpix_per_img``: mean megapixels processed per image;
    - when every image knows its full pyramid: ``pixels/pct_of_pyramid``
      (total processed / total of the full pyramid, in percent; 100 for the
      pyramid itself), ``pixels/ratio_to_pyramid`` (the same as a ratio)
      and ``pixels/pyramid_mpix_per_img`` (mean megapixels of the full
      pyramid per image),

    and logs a one-line summary, e.g. ``processed pixels: 2.18 Mpix per
    image = 41.0% of the full pyramid (5.31 Mpix per image; 2.44x fewer),
    per scale 0.26 / 0.63 / 1.29 Mpix, 40 images``.

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
            per_scale = tuple(
                float(p) for p in sample.get('pixels_per_scale', None) or ())
            self.results.append(
                (float(pix), float(sample.get('full_pyramid_pixels', 0)),
                 per_scale))

    def compute_metrics(self, results: list) -> dict:
        """The metrics of the class docstring (``{}`` without images); the
        summary line is logged as well."""
        if not results:
            return {}
        arr = np.asarray([r[:2] for r in results], dtype=np.float64)
        out = dict(mpix_per_img=float(arr[:, 0].mean() / 1e6))
        if (arr[:, 1] > 0).all():
            ratio = float(arr[:, 0].sum() / arr[:, 1].sum())
            out['pct_of_pyramid'] = 100. * ratio
            out['ratio_to_pyramid'] = ratio
            out['pyramid_mpix_per_img'] = float(arr[:, 1].mean() / 1e6)
        per_scale = self.mpix_per_scale(results)
        print_log(self.summary(out, len(results), per_scale),
                  logger='current')
        return out

    @staticmethod
    def mpix_per_scale(results: list) -> Optional[List[float]]:
        """Mean megapixels per image at each scale, or None when the images
        do not all report the same number of scales."""
        lens = {len(r[2]) if len(r) > 2 else 0 for r in results}
        if len(lens) != 1 or 0 in lens:
            return None
        per = np.asarray([r[2] for r in results], dtype=np.float64)
        return [float(v) for v in per.mean(axis=0) / 1e6]

    @staticmethod
    def summary(metrics: dict, num_images: int,
                mpix_per_scale: Optional[Sequence[float]] = None) -> str:
        """The logged line of :meth:`compute_metrics`' ``metrics`` (keys
        without prefix)."""
        text = (f'processed pixels: {metrics["mpix_per_img"]:.2f} Mpix per '
                'image')
        if 'pct_of_pyramid' in metrics:
            ratio = metrics['ratio_to_pyramid']
            fewer = f'; {1 / ratio:.2f}x fewer' if 0 < ratio < 1 else ''
            text += (f' = {metrics["pct_of_pyramid"]:.1f}% of the full '
                     f'pyramid ({metrics["pyramid_mpix_per_img"]:.2f} Mpix '
                     f'per image{fewer})')
        else:
            text += (' (no full_pyramid_pixels: not a multi-scale test-time '
                     'model, no % of the pyramid)')
        if mpix_per_scale:
            text += ', per scale ' + ' / '.join(
                f'{v:.2f}' for v in mpix_per_scale) + ' Mpix'
        return f'{text}, {num_images} images'
