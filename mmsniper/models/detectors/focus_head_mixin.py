# Copyright (c) mmsniper contributors. All rights reserved.
"""What every detector with a FocusPixel head shares (AutoFocus, spec
section 5.2): :class:`FocusHeadMixin` (the head, its FPN level check,
``focus_head_only`` training, the maps of ``predict``) and the single-scale
note of their ``predict`` (:data:`SINGLE_SCALE_NOTE`,
:func:`inside_test_time_wrapper`). The detector-specific losses and
``predict`` are in :mod:`.focus_two_stage` (Faster / Mask R-CNN) and
:mod:`.focus_single_stage` (RetinaNet, ATSS).
"""
import contextlib
import logging
from typing import Iterator, Optional

import torch
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import ConfigType, OptConfigType
from mmengine.logging import print_log
from mmengine.structures import PixelData
from torch import Tensor

#: What the detectors' ``predict`` logs (once per process) when it runs
#: outside a test-time wrapper.
SINGLE_SCALE_NOTE = (
    '{name}.predict runs the detector at a single scale (the input as the '
    'pipeline gives it): this is not AutoFocus inference, the FocusPixel '
    'map only comes along as pred_focus_map. For AutoFocus (coarse scale '
    'on the whole image, finer scales on FocusChips) test with --tta '
    '(tools/test.py CONFIG CKPT --tta, the config\'s tta_model '
    'AutoFocusDetector) or use the *_autofocus-test.py config, e.g. '
    'configs/autofocus/{leaf}')
#: The shipped ``*_autofocus-test.py`` leaf that the note names per detector.
AUTOFOCUS_TEST_LEAVES = dict(
    FocusFasterRCNN='autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_'
    'autofocus-test.py',
    FocusMaskRCNN='autofocus_mask-rcnn_r18-w16_fpn_1xb8-4e_synthetic_'
    'autofocus-test.py',
    FocusRetinaNet='autofocus_retinanet_r18-w16_fpn_1xb8-4e_synthetic_'
    'autofocus-test.py',
    FocusATSS='autofocus_atss_r18-w16_fpn_1xb8-4e_synthetic_'
    'autofocus-test.py')
_state = dict(noted=False, wrapped=0)


@contextlib.contextmanager
def inside_test_time_wrapper() -> Iterator[None]:
    """Calls of a FocusPixel detector's ``predict`` inside this context
    come from a multi-scale wrapper (no single-scale warning)."""
    _state['wrapped'] += 1
    try:
        yield
    finally:
        _state['wrapped'] -= 1


def _note_single_scale(name: str) -> None:
    if _state['noted'] or _state['wrapped']:
        return
    _state['noted'] = True
    leaf = AUTOFOCUS_TEST_LEAVES.get(
        name, AUTOFOCUS_TEST_LEAVES['FocusFasterRCNN'])
    print_log(SINGLE_SCALE_NOTE.format(name=name, leaf=leaf),
              logger='current',
              level=logging.WARNING)


def check_focus_level(focus_head, prior_head, owner: str) -> None:
    """Raise when the head's ``in_index`` level is not at its ``stride``.

    The strides of the FPN levels are those of ``prior_head``'s prior
    generator (the RPN of a two-stage detector, the dense head of a
    one-stage one); nothing is checked without one.

    Args:
        focus_head (FocusPixelHead): The built head.
        prior_head (nn.Module, optional): A head with ``prior_generator``.
        owner (str): The detector's name (in the message).

    Raises:
        ValueError: Naming the level of stride ``focus_head.stride``.
    """
    strides = getattr(getattr(prior_head, 'prior_generator', None),
                      'strides', None)
    if not strides:
        return
    strides = [int(s[0] if isinstance(s, (tuple, list)) else s)
               for s in strides]
    i = focus_head.in_index
    if 0 <= i < len(strides) and strides[i] == focus_head.stride:
        return
    hint = (f'use in_index={strides.index(focus_head.stride)}'
            if focus_head.stride in strides else
            f'set stride to one of {strides}')
    got = f'stride {strides[i]}' if 0 <= i < len(strides) else 'no level'
    raise ValueError(
        f'{owner}: focus_head.in_index={i} is {got} of the FPN levels '
        f'(strides {strides}) but focus_head.stride={focus_head.stride}: '
        f'the FocusPixel labels would not match the map; {hint}')


class FocusHeadMixin:
    """The FocusPixel head of a detector: built by
    :meth:`_init_focus_head`, frozen detector with
    ``train_cfg.focus_head_only``, maps attached by :meth:`_add_focus_maps`.

    A subclass mixin names the head with the FPN levels' priors
    (:attr:`prior_head_name`) and gives the detector's own losses on the
    features (:meth:`detector_loss`).

    Args:
        focus_head (dict): Config of the FocusPixel head.
        **kwargs: The detector's own arguments.
    """

    #: the head whose prior generator gives the FPN levels' strides
    prior_head_name = 'bbox_head'

    def __init__(self, *, focus_head: ConfigType, **kwargs) -> None:
        super().__init__(**kwargs)
        self._init_focus_head(focus_head, kwargs.get('train_cfg'),
                              getattr(self, self.prior_head_name, None))

    def detector_loss(self, x: tuple, batch_data_samples: SampleList) -> dict:
        """The detector's losses on the features ``x``."""
        raise NotImplementedError

    def loss(self, batch_inputs: Tensor,
             batch_data_samples: SampleList) -> dict:
        """The detector's losses (:meth:`detector_loss`) plus
        ``loss_focus``, on one feature extraction; only ``loss_focus`` with
        ``train_cfg.focus_head_only``."""
        if self.focus_head_only:
            return self._focus_head_only_loss(batch_inputs,
                                              batch_data_samples)
        x = self.extract_feat(batch_inputs)
        losses = self.detector_loss(x, batch_data_samples)
        losses.update(self.focus_head.loss(x, batch_data_samples))
        return losses

    def _init_focus_head(self, focus_head: ConfigType,
                         train_cfg: OptConfigType, prior_head) -> None:
        """Build the head (after the detector's ``__init__``), check its
        level against ``prior_head``'s strides, and freeze the rest with
        ``train_cfg.focus_head_only``."""
        self.focus_head = MODELS.build(focus_head)
        check_focus_level(self.focus_head, prior_head, type(self).__name__)
        self.focus_head_only = bool(
            (train_cfg or {}).get('focus_head_only', False))
        if self.focus_head_only:
            for name, child in self.named_children():
                if name not in ('focus_head', 'data_preprocessor'):
                    child.requires_grad_(False)

    def train(self, mode: bool = True) -> 'FocusHeadMixin':
        """With ``train_cfg.focus_head_only`` everything but the focus
        head stays in eval mode (frozen BatchNorm statistics)."""
        super().train(mode)
        if self.focus_head_only:
            for name, child in self.named_children():
                if name != 'focus_head':
                    child.eval()
        return self

    @property
    def with_focus_head(self) -> bool:
        return getattr(self, 'focus_head', None) is not None

    def _focus_head_only_loss(self, batch_inputs: Tensor,
                              batch_data_samples: SampleList) -> dict:
        """``loss_focus`` alone, the detector's features without
        gradients (``train_cfg.focus_head_only``)."""
        with torch.no_grad():
            x = self.extract_feat(batch_inputs)
        return self.focus_head.loss(x, batch_data_samples)

    def predict_focus(self, x, batch_data_samples: SampleList) -> list:
        """FocusPixel maps ``(h, w)`` of a batch from its features."""
        metas = [s.metainfo for s in batch_data_samples]
        return self.focus_head.predict(x, metas, rescale=False)

    def _add_focus_maps(self, x, batch_data_samples: SampleList,
                        with_focus: Optional[bool]) -> SampleList:
        """``pred_focus_map`` on each sample (``with_focus`` None:
        ``test_cfg.get('with_focus', True)``)."""
        if with_focus is None:
            with_focus = self.test_cfg.get('with_focus', True) \
                if self.test_cfg is not None else True
        if with_focus:
            maps = self.predict_focus(x, batch_data_samples)
            for sample, prob in zip(batch_data_samples, maps):
                sample.pred_focus_map = PixelData(
                    prob=prob[None], metainfo=dict(
                        stride=self.focus_head.stride))
        return batch_data_samples
