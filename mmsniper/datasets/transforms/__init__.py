# Copyright (c) mmsniper contributors. All rights reserved.
from .neg_chip_mine import NegChipMine, pos_chip_keys
from .snip_chip_crop import SnipChipCrop

__all__ = ['NegChipMine', 'SnipChipCrop', 'pos_chip_keys']
