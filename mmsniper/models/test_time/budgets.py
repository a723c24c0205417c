# Copyright (c) mmsniper contributors. All rights reserved.
"""Per-megapixel budgets of the test-time wrappers, in one place.

A fixed number of proposals or detections per detector input starves the
large inputs of multi-scale inference: the whole image at a fine scale holds
many more objects than a 512 px FocusChip. A :class:`Budget` scales with the
pixels of the input, ``clip(round(per_mpix * pixels / 1e6), min, max)``.

- ``rpn_budget``: proposals kept per input (the RPN's ``max_per_img``, passed
  to ``rpn_head.predict_by_feat`` as its ``cfg``; the head's own
  ``test_cfg`` is never modified);
- ``det_budget``: candidate detections kept per input before the merge;
- ``max_per_mpix`` (the wrappers' final cap): detections per image grow with
  the original image's area, ``max(max_per_img, max_per_mpix * Mpix)``, so
  that a 200 Mpix scene is not capped at 200 boxes.
"""
from typing import Optional

from ...utils.checks import check_keys


class Budget:
    """``clip(round(per_mpix * pixels / 1e6), min, max)``.

    Args:
        per_mpix (float): Boxes per megapixel of the input.
        min (int): Lower bound. Defaults to 1.
        max (int): Upper bound. Defaults to 2**30 (none).
    """
    KEYS = ('per_mpix', 'min', 'max')

    def __init__(self, per_mpix: float, min: int = 1,  # noqa: A002
                 max: int = 1 << 30) -> None:  # noqa: A002
        if per_mpix <= 0 or min < 1 or max < min:
            raise ValueError(f'a budget needs per_mpix > 0 and 1 <= min <= '
                             f'max, got per_mpix={per_mpix}, min={min}, '
                             f'max={max}')
        self.per_mpix, self.min, self.max = float(per_mpix), int(min), int(
            max)

    @classmethod
    def build(cls, cfg: Optional[dict], where: str) -> Optional['Budget']:
        """A budget from ``dict(per_mpix=..., min=..., max=...)``.

        Args:
            cfg (dict | Budget | None): The setting; None for no budget.
            where (str): Named in the messages, e.g. ``'tta_cfg.rpn_budget'``.

        Returns:
            Budget | None: The budget.

        Raises:
            KeyError: An unknown key ('did you mean').
            TypeError: ``cfg`` is not a dict.
            ValueError: No ``per_mpix``, or bad values.
        """
        if cfg is None:
            return None
        if isinstance(cfg, Budget):
            return cfg
        if not isinstance(cfg, dict):
            raise TypeError(f'{where} must be dict(per_mpix=..., min=..., '
                            f'max=...) or None, got {cfg!r}')
        cfg = dict(cfg)
        check_keys(where, cfg, cls.KEYS)
        if 'per_mpix' not in cfg:
            raise ValueError(f'{where} needs per_mpix (boxes per megapixel),'
                             f' got {cfg}')
        return cls(**cfg)

    def __call__(self, pixels: float) -> int:
        n = int(round(self.per_mpix * float(pixels) / 1e6))
        return int(min(max(n, self.min), self.max))

    def __repr__(self) -> str:
        return (f'Budget(per_mpix={self.per_mpix:g}, min={self.min}, '
                f'max={self.max})')


def final_cap(max_per_img: int, max_per_mpix: Optional[float],
              img_pixels: float) -> int:
    """Detections kept per image: ``max_per_img`` (<= 0: all), grown to
    ``max_per_mpix * Mpix`` of the original image when that is larger."""
    if max_per_img <= 0:
        return max_per_img
    if max_per_mpix:
        return max(int(max_per_img),
                   int(round(max_per_mpix * float(img_pixels) / 1e6)))
    return int(max_per_img)
