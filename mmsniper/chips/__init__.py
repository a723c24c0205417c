# Copyright (c) mmsniper contributors. All rights reserved.
"""SNIPER chips: pure functions (numpy in, numpy out; no mmengine/mmdet).

Entry point: :func:`generate_chips` (one image, all scales) returning a
:class:`ChipResult`. The pieces (scale factors, the greedy cover of one
scale, box assignment, negative chips) are importable for custom
pipelines. Semantics and deliberate differences from the original SNIPER:
``docs/chips.md``.
"""
from .assign import (chip_gt_ignore_flags, group_by_chip, overlap_mask,
                     split_valid_invalid)
from .cover import (boxes_to_cover, cover_scale, fits_in_chip, scale_boxes,
                    valid_at_scale)
from .generate import cover_inputs, generate_chips
from .negatives import (NegativeChips, default_min_proposals,
                        mine_negative_chips, negative_chips_scale,
                        sample_negatives, uncovered_by)
from .result import ChipResult
from .scales import (DEFAULT_CHIP_SIZE, DEFAULT_SCALES, box_sizes,
                     describe_scales, parse_scale, scale_factor,
                     scale_factors, scaled_size)
from .valid_ranges import (DEFAULT_VALID_RANGES, check_valid_ranges,
                           in_range_masks, normalize_valid_ranges,
                           open_bounds, valid_range_filter)
from .uniform_tiles import tile_boxes, tile_grid

__all__ = [
    'ChipResult', 'DEFAULT_CHIP_SIZE', 'DEFAULT_SCALES',
    'DEFAULT_VALID_RANGES', 'NegativeChips', 'box_sizes', 'boxes_to_cover',
    'check_valid_ranges', 'chip_gt_ignore_flags', 'cover_inputs',
    'cover_scale', 'default_min_proposals', 'describe_scales', 'fits_in_chip',
    'generate_chips', 'group_by_chip', 'in_range_masks', 'mine_negative_chips',
    'negative_chips_scale', 'normalize_valid_ranges', 'open_bounds',
    'overlap_mask', 'parse_scale', 'sample_negatives', 'scale_boxes',
    'scale_factor', 'scale_factors', 'scaled_size', 'split_valid_invalid',
    'tile_boxes', 'tile_grid', 'uncovered_by', 'valid_at_scale',
    'valid_range_filter'
]
