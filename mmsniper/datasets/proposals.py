# Copyright (c) mmsniper contributors. All rights reserved.
"""The proposal file of SNIPER's negative chip mining: format, save, load and
validate.

Format (a pickle written with :func:`mmengine.dump`, any mmengine file
backend)::

    {
        'format': 'mmsniper.proposals',   # marker, checked when loading
        'version': 1,
        'proposals': {                     # keyed by the dataset's img_id
            img_id: np.ndarray float32 [P, 5],  # x1, y1, x2, y2, score
            ...                                 # original-image pixels
        },
        'meta': {...},                     # free-form: scales, top-N, NMS,
    }                                      # checkpoint (written by the tool)

``P`` may be 0 (shape ``[0, 5]``). Scores are kept but, as in the original,
not used to select proposals. ``[P, 4]`` arrays (no score) are accepted when
loading. Keys are the dataset's ``img_id`` values (int for COCO, str for VOC);
an int id also matches its decimal string, so a file that went through json
still loads.
"""
import os.path as osp
from typing import Any, Dict, Hashable, Iterable, Optional

import numpy as np
from mmengine.fileio import dump, exists, load

PROPOSAL_FORMAT = 'mmsniper.proposals'
PROPOSAL_VERSION = 1


class ProposalFileError(ValueError):
    """A missing, malformed or mismatched proposal file."""


def save_proposals(path: str,
                   proposals: Dict[Hashable, np.ndarray],
                   meta: Optional[dict] = None,
                   backend_args: Optional[dict] = None) -> None:
    """Write a proposal file.

    Args:
        path (str): Output path (``.pkl``).
        proposals (dict): ``img_id -> [P, 5]`` (or ``[P, 4]``) boxes.
        meta (dict, optional): Extra information stored under ``'meta'``.
        backend_args (dict, optional): mmengine file backend arguments.

    Raises:
        ProposalFileError: When an array has a wrong shape or non-finite
            values (the same checks as :func:`load_proposals`).
    """
    out = {}
    for img_id, boxes in proposals.items():
        out[img_id] = _check_array(np.asarray(boxes), path, img_id)
    dump(
        dict(
            format=PROPOSAL_FORMAT,
            version=PROPOSAL_VERSION,
            proposals=out,
            meta=dict(meta or {})),
        path,
        file_format='pkl',
        backend_args=backend_args)


def _check_array(boxes: Any, path: str, img_id: Hashable) -> np.ndarray:
    """``boxes`` as float32 ``[P, 5]`` (a zero score column is added to
    ``[P, 4]``), or a :class:`ProposalFileError` naming file and image."""
    if not isinstance(boxes, np.ndarray):
        raise ProposalFileError(
            f'proposal file {path}: image id {img_id!r} holds a '
            f'{type(boxes).__name__}, expected a numpy array [P, 5]')
    if boxes.ndim != 2 or boxes.shape[1] not in (4, 5):
        raise ProposalFileError(
            f'proposal file {path}: image id {img_id!r} has proposals of '
            f'shape {list(boxes.shape)}, expected [P, 5] (x1, y1, x2, y2, '
            'score) or [P, 4]')
    if boxes.dtype.kind not in 'fiu':
        raise ProposalFileError(
            f'proposal file {path}: image id {img_id!r} has proposals of '
            f'dtype {boxes.dtype}, expected float32')
    if not np.isfinite(boxes).all():
        raise ProposalFileError(f'proposal file {path}: image id {img_id!r} '
                                'has NaN or inf proposals')
    boxes = boxes.astype(np.float32)
    if boxes.shape[1] == 4:
        boxes = np.concatenate([boxes, np.zeros((len(boxes), 1), np.float32)],
                               axis=1)
    return boxes


def load_proposals(path: str,
                   img_ids: Optional[Iterable[Hashable]] = None,
                   backend_args: Optional[dict] = None
                   ) -> Dict[Hashable, np.ndarray]:
    """Read and validate a proposal file.

    Args:
        path (str): The file.
        img_ids (Iterable, optional): Image ids that must all be present,
            in dataset order; the first one missing is named in the error.
            When given, the result is keyed by these ids (ids in the file
            that are not asked for are dropped). Defaults to None (all).
        backend_args (dict, optional): mmengine file backend arguments.

    Returns:
        dict: ``img_id -> float32 [P, 5]``.

    Raises:
        ProposalFileError: Naming ``path`` and, where it applies, the first
            bad image id: missing file, not a proposal file, an image id not
            found, or an array with a wrong shape / dtype / NaN.
    """
    if path is None or not exists(path, backend_args=backend_args):
        raise ProposalFileError(
            f'proposal file {path} not found. Create it with '
            'tools/extract_proposals.py (see docs/sniper_training.md), or '
            'turn negative chips off (use_neg_chips=False)')
    try:
        data = load(path, file_format='pkl', backend_args=backend_args)
    except Exception as e:  # unreadable / not a pickle
        raise ProposalFileError(
            f'proposal file {path} cannot be read as a pickle: {e}') from e
    if not (isinstance(data, dict) and data.get('format') == PROPOSAL_FORMAT
            and isinstance(data.get('proposals'), dict)):
        raise ProposalFileError(
            f'{path} is not an mmsniper proposal file (expected a dict with '
            f"format='{PROPOSAL_FORMAT}' and a 'proposals' dict keyed by "
            'image id; see mmsniper/datasets/proposals.py)')
    if data.get('version', 0) > PROPOSAL_VERSION:
        raise ProposalFileError(
            f'proposal file {path} has version {data["version"]}; this '
            f'mmsniper reads version <= {PROPOSAL_VERSION}')
    table = data['proposals']
    if img_ids is None:
        return {k: _check_array(v, path, k) for k, v in table.items()}
    out = {}
    for img_id in img_ids:
        boxes = table.get(img_id)
        if boxes is None:
            boxes = table.get(str(img_id))
        if boxes is None:
            some = list(table)[:3]
            raise ProposalFileError(
                f'proposal file {path}: image id {img_id!r} of the dataset '
                f'is not in the file ({len(table)} ids, e.g. {some}); was '
                'it extracted from this dataset/split?')
        out[img_id] = _check_array(boxes, path, img_id)
    return out


def proposal_file_summary(path: str) -> str:
    """One line describing a proposal file (for logs)."""
    props = load_proposals(path)
    n = [len(v) for v in props.values()]
    return (f'{osp.basename(path)}: {len(n)} images, '
            f'{int(np.mean(n)) if n else 0} proposals per image on average')
