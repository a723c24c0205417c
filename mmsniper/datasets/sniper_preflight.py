# Copyright (c) mmsniper contributors. All rights reserved.
"""The pre-flight verdicts applied to the dataset a
:class:`~mmsniper.datasets.SniperDataset` wraps: :class:`PreflightRepairMixin`.

In :meth:`SniperDataset.full_init`, before the wrapped dataset loads its
annotations (a config dict is built with ``lazy_init=True``), every leaf
dataset is checked (:func:`~.preflight.check_dataset`): image files
(missing, unreadable, truncated), declared sizes, boxes. Per the policy it
raises (default for image and size problems), or drops bad images (no
chips) and bad boxes and clips partly outside ones (default for box
problems, with a warning). The verdicts (keyed by ``img_id``) are mapped
onto the loaded images: boxes mmdet keeps but the check rejects (NaN/inf)
are removed from ``instances`` both for the chips and in
``get_data_info`` / ``prepare_data``, so that ``chip_valid_inds`` index the
same list.
"""
import logging
from typing import Dict, List, Optional, Tuple, Union

import numpy as np
from mmengine.logging import print_log

from ..utils.dataset_walk import leaf_datasets, locate_sample
from .preflight import check_dataset, resolve_policy
from .preflight_wrappers import guard_parse


class PreflightRepairMixin:
    """The pre-flight part of :class:`~mmsniper.datasets.SniperDataset`.

    Uses ``self.dataset`` (the wrapped dataset) and ``self.preflight`` (the
    options, None: no check); sets ``preflight_report``, ``_reports`` (by
    leaf), ``_repairs`` (image index: kept box indices and the clip size)
    and ``_dropped_imgs`` (image indices).
    """

    def _init_preflight(self, preflight: Union[dict, bool, None]) -> None:
        """Set ``self.preflight`` from the ``preflight`` argument (True: the
        defaults; None or False: no check); unknown options raise."""
        self.preflight = None if preflight in (None, False) else dict(
            {} if preflight is True else preflight)
        if self.preflight is not None:
            resolve_policy(self.preflight)

    def _init_repairs(self) -> None:
        """Empty repair tables (before the annotations are read)."""
        self._repairs: Dict[int, Tuple[List[int], Optional[tuple]]] = {}
        self._dropped_imgs: set = set()

    def _run_preflight(self) -> list:
        """Check every leaf dataset (:func:`~.preflight.check_dataset`), log
        the reports, raise on ``error`` problems; returns the leaves whose
        ``parse_data_info`` was guarded (see
        :func:`~.preflight_wrappers.guard_parse`)."""
        self._reports: Dict[int, object] = {}
        self.preflight_report = None
        if self.preflight is None:
            return []
        leaves = leaf_datasets(self.dataset)
        reports = [check_dataset(leaf, self.preflight) for leaf in leaves]
        for rep in reports:
            rep.log()
        for rep in reports:
            rep.raise_on_error()
        self._reports = {id(leaf): r for leaf, r in zip(leaves, reports)}
        self.preflight_report = reports[0] if len(reports) == 1 else reports
        return [leaf for leaf, r in zip(leaves, reports)
                if guard_parse(leaf, r)]

    def _plan_repairs(self, img_idx: int, info: dict) -> Tuple[dict, bool]:
        """Map the pre-flight verdicts (keyed by ``img_id``) onto image
        ``img_idx`` of the wrapped dataset, called once per image by
        :class:`~.image_anns.ImageAnns`: records the repair of its loaded
        ``instances`` and returns the repaired ``info`` and whether it is
        dropped."""
        rep = self._reports.get(id(locate_sample(self.dataset, img_idx)[0])) \
            if self._reports else None
        img_id = info.get('img_id')
        if rep is None:
            return info, False
        if img_id in rep.bad_images:
            self._dropped_imgs.add(img_idx)
            return info, True
        if img_id not in rep.repairs:
            return info, False
        num, drop, clip = rep.repairs[img_id]
        inst = info.get('instances', [])
        if len(inst) == num:
            keep = [k for k in range(num) if k not in drop]
        else:  # a dataset loading other boxes than mmdet's CocoDataset
            print_log(f'SniperDataset: image {img_id} has {len(inst)} boxes, '
                      f'the pre-flight check expected {num}; dropping the '
                      'non-finite ones and clipping the others by value',
                      logger='current', level=logging.WARNING)
            keep = [k for k, x in enumerate(inst)
                    if np.isfinite(np.asarray(x['bbox'], float)).all()]
            clip = True
        wh = (float(info['width']), float(info['height'])) if clip else None
        self._repairs[img_idx] = (keep, wh)
        return self._repair_instances(img_idx, info), False

    def _repair_instances(self, img_idx: int, info: dict) -> dict:
        """``info`` of image ``img_idx`` with the pre-flight repairs: boxes
        mmdet keeps but the check drops (NaN/inf) removed, partly outside
        ones clipped to the image; ``info`` itself for a clean image."""
        if img_idx not in self._repairs:
            return info
        keep, wh = self._repairs[img_idx]
        inst = [dict(info['instances'][k]) for k in keep]
        if wh is not None:
            for x in inst:
                b = np.asarray(x['bbox'], np.float64)
                x['bbox'] = np.clip(b, 0, wh * 2).tolist()
        return dict(info, instances=inst)

