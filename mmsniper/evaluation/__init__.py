from .dump_coco_json import DumpCocoJson

__all__ = ['DumpCocoJson']
