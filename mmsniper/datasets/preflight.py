# Copyright (c) mmsniper contributors. All rights reserved.
"""Pre-flight check of a detection dataset: :func:`check_dataset`.

Run by :class:`~mmsniper.datasets.SniperDataset` before the wrapped dataset
loads its annotations, and by ``tools/misc/check_dataset.py``. Files are read
one by one (a thread pool did not help): header and last 1 KiB (``decode``:
full decode). Reasons, policies, repairs: ``docs/sniper_training.md``;
the mask reasons: :mod:`.preflight_masks`.
"""
import json
import logging
import math
import os.path as osp
from dataclasses import dataclass, field
from typing import Callable, Dict, Hashable, List, Optional, Set, Tuple

from mmengine.fileio import get_local_path
from mmengine.logging import print_log

from ..utils.checks import check_keys
from .preflight_files import check_image_file
from .preflight_masks import (KEPT_MASK_REASONS, MASK_DEFAULTS, MASK_REASONS,
                              loads_masks, mask_problem)

#: Reason -> problem class (the policy key).
REASONS = dict(
    missing_image='image', unreadable_image='image', truncated_image='image',
    size_mismatch='size', missing_size='size', malformed_box='box',
    nonfinite_box='box', degenerate_box='box', outside_box='box',
    unknown_category='box', partly_outside_box='box', **MASK_REASONS)
POLICIES = ('error', 'warn', 'drop')
DEFAULT_POLICY = dict(image='error', size='error', box='warn', **MASK_DEFAULTS)
#: Keys of the ``preflight`` options (policy per class or per reason).
OPTION_KEYS = ('image', 'size', 'box', 'mask', *REASONS, 'decode',
               'check_images', 'check_masks')


class PreflightError(ValueError):
    """The dataset has a problem whose policy is ``error``."""


def resolve_policy(options: Optional[dict] = None) -> Dict[str, str]:
    """Policy per reason: a reason key wins over its class key, which wins
    over :data:`DEFAULT_POLICY` (per reason, else per class). Raises on
    unknown keys or policies."""
    opts = dict(options or {})
    check_keys('preflight', opts, OPTION_KEYS)
    pol = {r: opts.get(r, opts.get(c, DEFAULT_POLICY.get(
        r, DEFAULT_POLICY[c]))) for r, c in REASONS.items()}
    if set(pol.values()) - set(POLICIES):
        raise ValueError(f'preflight policies must be in {POLICIES}: {pol}')
    return pol


@dataclass
class PreflightReport:
    """Result of a check, keyed by ``img_id``: ``counts`` per reason, the
    first ``examples`` (img_id, file_name, ann_id, text); ``bad_images``
    (reasons; no chips); ``repairs``: ``(num_loaded, drop, clip)``, positions
    in the ``num_loaded`` loaded instances to remove / clip to the image;
    json-order indices of ``dropped_anns`` (unseen by training) and
    ``skip_anns`` (unparsable by mmdet, removed before it parses)."""
    source: str
    policy: Dict[str, str]
    max_examples: int = 5
    num_images: int = 0
    num_annotations: int = 0
    counts: Dict[str, int] = field(default_factory=dict)
    examples: Dict[str, List[tuple]] = field(default_factory=dict)
    bad_images: Dict[Hashable, List[str]] = field(default_factory=dict)
    repairs: Dict[Hashable, tuple] = field(default_factory=dict)
    dropped_anns: Dict[Hashable, Set[int]] = field(default_factory=dict)
    skip_anns: Dict[Hashable, Set[int]] = field(default_factory=dict)

    def add(self, reason: str, img_id, name: str, ann_id, text: str) -> None:
        """Count one problem; keep its message if among the first."""
        self.counts[reason] = self.counts.get(reason, 0) + 1
        if len(self.examples.setdefault(reason, [])) < self.max_examples:
            self.examples[reason].append((img_id, name, ann_id, text))

    def format(self, reasons: Optional[List[str]] = None) -> str:
        """Table of reason, class, policy and count, then first messages."""
        rows = [f'{"reason":<24}{"class":<7}{"policy":<8}{"count":>7}']
        for r in reasons or list(self.counts):
            rows.append(f'{r:<24}{REASONS[r]:<7}{self.policy[r]:<8}'
                        f'{self.counts[r]:>7}')
            for i, n, a, t in self.examples.get(r, []):
                rows.append(f'    image {i} ({n})' + (
                    '' if a is None else f' annotation {a}') + f': {t}')
        return '\n'.join(rows)

    def summary(self) -> str:
        found = ', '.join(f'{r} {n}' for r, n in self.counts.items())
        return (f'preflight of {self.source}: {self.num_images} images, '
                f'{self.num_annotations} annotations; {found or "no problem"}'
                f'; {len(self.bad_images)} bad images')

    def raise_on_error(self) -> None:
        """Raise :class:`PreflightError` (every reason, counts, first
        offenders) on an ``error`` reason or when every image is bad."""
        errors = [r for r in self.counts if self.policy[r] == 'error']
        head = [f'{", ".join(errors)} (policy error)'] * bool(errors)
        if 0 < self.num_images == len(self.bad_images):
            head.append(f'every one of the {self.num_images} images is bad')
        if head:
            raise PreflightError(
                f'dataset pre-flight check of {self.source} failed: '
                f'{"; ".join(head)}\n{self.format()}\nFix the data or relax '
                "the policy, e.g. preflight=dict(image='warn', size='warn').")

    def log(self) -> None:
        """Summary at INFO; ``warn`` reasons at WARNING, ``drop`` at INFO."""
        print_log(self.summary(), logger='current', level=logging.INFO)
        for pol, level in (('warn', logging.WARNING), ('drop', logging.INFO)):
            rs = [r for r in self.counts if self.policy[r] == pol]
            if rs:
                print_log(f'preflight ({pol}): bad images get no chips, bad '
                          'boxes / masks are dropped (with their mask / box), '
                          'partly outside ones clipped\n' + self.format(rs),
                          logger='current', level=level)


def _box_problem(ann: dict, wh, cats) -> Tuple[Optional[str], str]:
    """The first problem ``(reason, text)`` of a COCO annotation (x y w h)."""
    bbox, area = ann.get('bbox'), ann.get('area')
    try:
        x, y, bw, bh = (float(v) for v in bbox)
    except (TypeError, ValueError):
        return 'malformed_box', f"field 'bbox' {bbox!r} is not 4 numbers"
    if type(area) not in (int, float) or 'category_id' not in ann:
        return 'malformed_box', (f"field 'area' {area!r} or 'category_id' "
                                 f"{ann.get('category_id')!r} is unusable")
    if not all(math.isfinite(v) for v in (x, y, bw, bh)):
        return 'nonfinite_box', f"field 'bbox' {bbox} has NaN or inf"
    if not area > 0 or bw < 1 or bh < 1:
        return 'degenerate_box', (f"field 'bbox' {bbox} / 'area' {area} "
                                  '(needs w >= 1, h >= 1, area > 0)')
    if ann['category_id'] not in cats:
        return 'unknown_category', (f"field 'category_id' {ann['category_id']}"
                                    f" is not in 'categories' {sorted(cats)}")
    if wh is not None:
        (w, h), im = wh, f'the {wh[0]}x{wh[1]} image'
        if min(x + bw, w) <= max(x, 0) or min(y + bh, h) <= max(y, 0):
            return 'outside_box', f"field 'bbox' {bbox} is outside {im}"
        if x < 0 or y < 0 or x + bw > w or y + bh > h:
            return 'partly_outside_box', f"field 'bbox' {bbox} clipped to {im}"
    return None, ''


def _check(images: List[dict], anns: Dict[Hashable, List[dict]], cats,
           loaded: Callable[[dict, Tuple[int, int]], bool], source: str,
           options: Optional[dict], progress: Optional[Callable],
           masks: bool = False) -> PreflightReport:
    """The engine: ``images`` (``id``, ``file_name``, ``path``, ``width``,
    ``height``), ``anns`` (img_id -> COCO annotations in load order), known
    ``cats``; ``loaded(ann, (w, h))``: does the dataset load ``ann``?
    ``masks``: check ``segmentation`` too."""
    opts = dict(options or {})
    masks = masks if opts.get('check_masks') is None else opts['check_masks']
    rep = PreflightReport(source, resolve_policy(opts), 5, len(images))
    tick = progress(len(images)) if progress else lambda: None
    for img in images:
        tick()
        iid, name = img['id'], img.get('file_name', '?')
        bad = [k for k in ('width', 'height') if type(img.get(k)) not in (
            int, float) or not img[k] > 0]  # declared (w, h) must be > 0
        wh = None if bad else (int(img['width']), int(img['height']))
        problems = [('missing_size', f"field '{k}' is " + (
            'missing' if img.get(k) is None else repr(img[k])))
                    for k in bad[:1]] + (check_image_file(
            img['path'], wh, opts.get('decode', False)) if opts.get(
                'check_images', True) else [])
        for reason, text in problems:
            rep.add(reason, iid, name, None, text)
            rep.bad_images.setdefault(iid, []).append(reason)
        pos, drop, clip, gone, skip = 0, set(), set(), set(), set()
        for k, ann in enumerate(anns.get(iid, [])):
            rep.num_annotations += 1
            if ann.get('ignore', False):  # mmdet skips these
                gone.add(k)
                continue
            reason, text = _box_problem(ann, wh, cats)
            mr, mt = mask_problem(ann, wh) if masks and reason in (
                None, 'partly_outside_box') else (None, '')
            if mr in KEPT_MASK_REASONS:  # reported, repaired downstream
                rep.add(mr, iid, name, ann.get('id'), mt)
            elif mr:  # the annotation goes, box and mask
                reason, text = mr, mt
            if reason:
                rep.add(reason, iid, name, ann.get('id'), text)
            skip.update([k] if reason == 'malformed_box' else [])
            keep = bool(wh) and k not in skip and loaded(ann, wh)
            if keep and reason == 'partly_outside_box':
                clip.add(pos)
            elif keep and reason:
                drop.add(pos)
            if not keep or reason not in (None, 'partly_outside_box'):
                gone.add(k)
            pos += keep
        rep.repairs.update({iid: (pos, drop, clip)} if drop or clip else {})
        rep.dropped_anns.update({iid: gone} if gone else {})
        rep.skip_anns.update({iid: skip} if skip else {})
    return rep


def check_coco(ann_file, img_prefix: str = '', classes=None,
               options: Optional[dict] = None, progress=None,
               backend_args: Optional[dict] = None,
               masks: bool = False) -> PreflightReport:
    """Check a COCO json (read raw: it sees what mmdet drops silently).

    Args:
        ann_file (str | dict): The json (path or content). img_prefix (str):
            Folder of the ``file_name`` s (joined ``data_prefix['img']``).
        classes (Sequence[str], optional): The dataset's classes (mmdet
            loads these categories only). Defaults to None (all).
        options (dict, optional): :data:`OPTION_KEYS`. progress (callable,
            optional): ``progress(num_images)()`` is called per image.
        backend_args (dict, optional): File backend of ``ann_file``.
        masks (bool): Check ``segmentation`` (:mod:`.preflight_masks`);
            option ``check_masks`` wins. Defaults to False.

    Returns:
        PreflightReport: Counts, first offenders and verdicts.
    """
    coco = ann_file
    if not isinstance(coco, dict):
        with get_local_path(ann_file, backend_args=backend_args) as p, \
                open(p, encoding='utf-8') as f:
            coco = json.load(f)
    cats = {c['id']: c.get('name') for c in coco.get('categories', [])}
    cat_ids = {i for i, n in cats.items() if not classes or n in classes}
    anns: Dict[Hashable, List[dict]] = {}
    for ann in coco.get('annotations', []):
        anns.setdefault(ann.get('image_id'), []).append(ann)
    images = [dict(img, path=osp.join(img_prefix, img.get('file_name', '')))
              for img in coco.get('images', [])]

    def mmdet_loads(ann, wh):  # CocoDataset.parse_data_info, as written
        (width, height), (x1, y1, w, h) = wh, ann['bbox']
        inter_w = max(0, min(x1 + w, width) - max(x1, 0))
        inter_h = max(0, min(y1 + h, height) - max(y1, 0))
        return not (inter_w * inter_h == 0 or ann['area'] <= 0 or w < 1
                    or h < 1 or ann['category_id'] not in cat_ids)

    return _check(images, anns, set(cats), mmdet_loads, ann_file if
                  isinstance(ann_file, str) else 'COCO json', options,
                  progress, masks)


def check_dataset(dataset, options: Optional[dict] = None,
                  progress=None) -> PreflightReport:
    """Check an mmdet dataset: a COCO one (json ``ann_file``) from the raw
    json (:func:`check_coco`; lazily built is enough); any other one falls
    back to ``get_data_info`` after ``full_init`` (files, sizes, finite /
    degenerate / outside boxes, labels in range of ``classes``); masks
    when the pipeline loads them (:func:`.preflight_masks.loads_masks`).

    Returns:
        PreflightReport: Counts, first offenders and verdicts.
    """
    ann_file = getattr(dataset, 'ann_file', '') or ''
    classes = dataset.metainfo.get('classes')
    if ann_file.endswith('.json') and hasattr(dataset, 'COCOAPI'):
        return check_coco(ann_file, dataset.data_prefix.get('img', ''),
                          classes, options, progress,
                          getattr(dataset, 'backend_args', None),
                          loads_masks(dataset))
    dataset.full_init()
    images, anns = [], {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        iid, path = info.get('img_id', i), info.get('img_path')
        images.append(dict(id=iid, file_name=path, path=path,
                           width=info.get('width'), height=info.get('height')))
        anns[iid] = [dict(id=k, bbox=[b[0], b[1], b[2] - b[0], b[3] - b[1]],
                          area=(b[2] - b[0]) * (b[3] - b[1]),
                          category_id=x.get('bbox_label'),
                          segmentation=x.get('mask'))
                     for k, x in enumerate(info.get('instances', []))
                     for b in [[float(v) for v in x['bbox']]]]
    return _check(images, anns, range(len(classes or ())), lambda a, wh: True,
                  f'{type(dataset).__name__} {ann_file} (get_data_info)',
                  options, progress, loads_masks(dataset))
