from .dump_coco_json import DumpCocoJson
from .dump_sniper_proposals import DumpSniperProposals

__all__ = ['DumpCocoJson', 'DumpSniperProposals']
from .pixels_metric import ProcessedPixelsMetric  # noqa: F401,E402
