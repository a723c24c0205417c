# Copyright (c) mmsniper contributors. All rights reserved.
from .snip_chip_crop import SnipChipCrop

__all__ = ['SnipChipCrop']
