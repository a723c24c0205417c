# Copyright (c) mmsniper contributors. All rights reserved.
from .assigners import SniperMaxIoUAssigner

__all__ = ['SniperMaxIoUAssigner']
