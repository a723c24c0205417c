"""ProcessedPixelsMetric: Mpix per image and % of the full pyramid, in the
metrics and in the logged summary line."""
import pytest

import mmsniper.evaluation.pixels_metric as pixels_metric
from mmsniper.evaluation import ProcessedPixelsMetric


def _run(samples, monkeypatch):
    logged = []
    monkeypatch.setattr(pixels_metric, 'print_log',
                        lambda msg, logger=None: logged.append(msg))
    metric = ProcessedPixelsMetric()
    metric.process({}, samples)
    return metric.evaluate(len(samples)), logged


def test_percent_of_pyramid_and_summary(monkeypatch):
    samples = [
        dict(pixels_processed=1_000_000, full_pyramid_pixels=4_000_000,
             pixels_per_scale=[250_000, 750_000, 0]),
        dict(pixels_processed=3_000_000, full_pyramid_pixels=6_000_000,
             pixels_per_scale=[500_000, 1_000_000, 1_500_000]),
    ]
    metrics, logged = _run(samples, monkeypatch)
    assert metrics['pixels/mpix_per_img'] == pytest.approx(2.0)
    # 4 Mpix of 10 processed: 40% (a ratio of totals, not a mean of ratios)
    assert metrics['pixels/pct_of_pyramid'] == pytest.approx(40.0)
    assert metrics['pixels/ratio_to_pyramid'] == pytest.approx(0.4)
    assert metrics['pixels/pyramid_mpix_per_img'] == pytest.approx(5.0)
    assert logged == [
        'processed pixels: 2.00 Mpix per image = 40.0% of the full pyramid '
        '(5.00 Mpix per image; 2.50x fewer), per scale 0.38 / 0.88 / 0.75 '
        'Mpix, 2 images'
    ]


def test_full_pyramid_is_100_percent(monkeypatch):
    samples = [dict(pixels_processed=500, full_pyramid_pixels=500,
                    pixels_per_scale=[100, 400])]
    metrics, logged = _run(samples, monkeypatch)
    assert metrics['pixels/pct_of_pyramid'] == pytest.approx(100.0)
    assert '= 100.0% of the full pyramid' in logged[0]
    assert 'fewer' not in logged[0]


def test_single_scale_has_no_percentage(monkeypatch):
    # a plain detector: its resized input, no pyramid to compare with
    samples = [dict(img_shape=(800, 1000)), dict(img_shape=(600, 1000))]
    metrics, logged = _run(samples, monkeypatch)
    assert metrics == {'pixels/mpix_per_img': pytest.approx(0.7)}
    assert logged[0].startswith('processed pixels: 0.70 Mpix per image (no '
                                'full_pyramid_pixels')
    assert logged[0].endswith(', 2 images')
    assert 'per scale' not in logged[0]
