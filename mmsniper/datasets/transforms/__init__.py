# Copyright (c) mmsniper contributors. All rights reserved.
from .load_mapped_image import LoadMappedImage
from .neg_chip_mine import NegChipMine, pos_chip_keys
from .pack_chip_inputs import CHIP_META_KEYS, PackChipInputs
from .pack_image_view import PackImageView
from .snip_chip_crop import SnipChipCrop

__all__ = [
    'CHIP_META_KEYS', 'LoadMappedImage', 'NegChipMine', 'PackChipInputs',
    'PackImageView', 'SnipChipCrop', 'pos_chip_keys'
]
