# Copyright (c) mmsniper contributors. All rights reserved.
from .synthetic import PRESETS, generate_dataset, generate_image
from .synthetic_dataset import SyntheticScaleDataset
from .preflight import PreflightError, PreflightReport, check_dataset
from .proposals import load_proposals, save_proposals
from .samplers import ResumableBatchSampler
from .sniper_dataset import SniperDataset
from .tile_dataset import TileDataset
from .transforms import NegChipMine, SnipChipCrop

__all__ = [
    'SniperDataset', 'TileDataset', 'SnipChipCrop', 'NegChipMine', 'ResumableBatchSampler',
    'load_proposals', 'save_proposals', 'PreflightError', 'PreflightReport',
    'check_dataset', 'PRESETS', 'SyntheticScaleDataset', 'generate_dataset',
    'generate_image'
]
