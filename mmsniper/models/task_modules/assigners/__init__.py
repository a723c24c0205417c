# Copyright (c) mmsniper contributors. All rights reserved.
from .sniper_max_iou_assigner import SniperMaxIoUAssigner

__all__ = ['SniperMaxIoUAssigner']
