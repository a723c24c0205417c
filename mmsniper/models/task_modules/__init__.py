# Copyright (c) mmsniper contributors. All rights reserved.
from .assigners import SniperATSSAssigner, SniperMaxIoUAssigner

__all__ = ['SniperATSSAssigner', 'SniperMaxIoUAssigner']
