# Copyright (c) mmsniper contributors. All rights reserved.
from .sniper_atss_assigner import SniperATSSAssigner
from .sniper_max_iou_assigner import SniperMaxIoUAssigner

__all__ = ['SniperATSSAssigner', 'SniperMaxIoUAssigner']
