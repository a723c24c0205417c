from .dump_coco_json import DumpCocoJson

__all__ = ['DumpCocoJson']
from .pixels_metric import ProcessedPixelsMetric  # noqa: F401,E402
