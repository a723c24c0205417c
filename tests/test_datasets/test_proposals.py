# Copyright (c) mmsniper contributors. All rights reserved.
"""The proposal file of negative chip mining
(:mod:`mmsniper.datasets.proposals`): save, load, validate; every error
names the file and, where it applies, the image id."""
import os.path as osp
import re

import mmengine
import numpy as np
import pytest

from mmsniper.datasets.proposals import (PROPOSAL_FORMAT, PROPOSAL_VERSION,
                                         ProposalFileError, load_proposals,
                                         proposal_file_summary,
                                         save_proposals)

BOXES = np.array([[0, 0, 10, 10, 0.9], [5, 5, 20, 30, 0.1]], np.float32)


def _dump(path, proposals, **kw) -> str:
    """A proposal file written without ``save_proposals``' checks."""
    mmengine.dump(dict(dict(format=PROPOSAL_FORMAT, version=1), **kw,
                       proposals=proposals), str(path), file_format='pkl')
    return str(path)


def test_save_and_load_round_trip(tmp_path):
    path = str(tmp_path / 'props.pkl')
    save_proposals(path, {1: BOXES, 'b': np.zeros((0, 4)),
                          3: np.array([[1, 2, 3, 4]], np.int64)},
                   meta=dict(scales=[1, 2]))
    raw = mmengine.load(path)
    assert raw['format'] == PROPOSAL_FORMAT == 'mmsniper.proposals'
    assert raw['version'] == PROPOSAL_VERSION == 1
    assert raw['meta'] == dict(scales=[1, 2])
    out = load_proposals(path)
    assert list(out) == [1, 'b', 3]
    assert all(v.dtype == np.float32 for v in out.values())
    np.testing.assert_array_equal(out[1], BOXES)
    assert out['b'].shape == (0, 5)  # no proposal, a score column added
    np.testing.assert_array_equal(out[3], [[1, 2, 3, 4, 0]])
    save_proposals(path, {})  # an empty file, no meta
    assert load_proposals(path) == {} and mmengine.load(path)['meta'] == {}


def test_lists_are_saved_as_arrays_but_not_loaded(tmp_path):
    path = str(tmp_path / 'p.pkl')
    save_proposals(path, {1: [[0, 0, 1, 1]]})
    np.testing.assert_array_equal(load_proposals(path)[1], [[0, 0, 1, 1, 0]])
    _dump(path, {4: [[0, 0, 1, 1, 1]]})
    with pytest.raises(ProposalFileError, match=re.escape(
            f'proposal file {path}: image id 4 holds a list, expected a '
            'numpy array [P, 5]')):
        load_proposals(path)


def test_load_the_dataset_ids_in_order(tmp_path):
    path = _dump(tmp_path / 'p.pkl', {'2': BOXES[:1], 1: BOXES, 7: BOXES})
    out = load_proposals(path, img_ids=[2, 1])
    assert list(out) == [2, 1]  # dataset order, 7 not asked for
    np.testing.assert_array_equal(out[2], BOXES[:1])  # the key '2' (json)
    with pytest.raises(ProposalFileError) as e:
        load_proposals(path, img_ids=[1, 5, 6])
    assert str(e.value).startswith(
        f"proposal file {path}: image id 5 of the dataset is not in the "
        "file (3 ids, e.g. ['2', 1, 7])")
    # a missing image id is named before a bad array of a later image
    bad = _dump(tmp_path / 'bad.pkl', {1: BOXES, 2: [1, 2]})
    with pytest.raises(ProposalFileError, match='image id 3 of the dataset'):
        load_proposals(bad, img_ids=[1, 3, 2])
    assert list(load_proposals(bad, img_ids=[1])) == [1]  # 2 not read


@pytest.mark.parametrize('boxes, needle', [
    (np.zeros(5), r'image id 4 has proposals of shape \[5\], expected '
     r'\[P, 5\]'),
    (np.zeros((2, 6)), r'image id 4 has proposals of shape \[2, 6\]'),
    (np.zeros((2, 5), bool), 'image id 4 has proposals of dtype bool'),
    (np.array([[0, 0, np.inf, 1]]), 'image id 4 has NaN or inf proposals'),
    (np.array([[0, 0, 1, 1, np.nan]]), 'image id 4 has NaN or inf'),
])
def test_bad_arrays_are_named(tmp_path, boxes, needle):
    path = str(tmp_path / 'p.pkl')
    head = re.escape(f'proposal file {path}: ')
    with pytest.raises(ProposalFileError, match=head + needle):
        save_proposals(path, {1: BOXES, 4: boxes})
    assert not osp.exists(path)  # nothing written
    _dump(path, {1: BOXES, 4: boxes})
    for ids in (None, [4]):
        with pytest.raises(ProposalFileError, match=needle):
            load_proposals(path, img_ids=ids)


def test_bad_files(tmp_path):
    assert issubclass(ProposalFileError, ValueError)
    gone = str(tmp_path / 'gone.pkl')
    with pytest.raises(ProposalFileError, match=re.escape(
            f'proposal file {gone} not found. Create it with '
            'tools/extract_proposals.py')):
        load_proposals(gone)
    with pytest.raises(ProposalFileError, match='proposal file None not'):
        load_proposals(None)
    text = tmp_path / 'text.pkl'
    text.write_text('not a pickle')
    with pytest.raises(ProposalFileError, match=re.escape(
            f'proposal file {text} cannot be read as a pickle')):
        load_proposals(str(text))
    for name, data in (('plain', {1: BOXES}),
                       ('format', dict(format='other', proposals={})),
                       ('table', dict(format=PROPOSAL_FORMAT, proposals=[]))):
        path = str(tmp_path / f'{name}.pkl')
        mmengine.dump(data, path, file_format='pkl')
        with pytest.raises(ProposalFileError, match=re.escape(
                f'{path} is not an mmsniper proposal file')):
            load_proposals(path)
    newer = _dump(tmp_path / 'new.pkl', {}, version=2)
    with pytest.raises(ProposalFileError, match=re.escape(
            f'proposal file {newer} has version 2; this mmsniper reads '
            'version <= 1')):
        load_proposals(newer)


def test_summary(tmp_path):
    path = str(tmp_path / 'props.pkl')
    save_proposals(path, {1: BOXES, 2: np.zeros((0, 5)), 3: BOXES[:1]})
    assert proposal_file_summary(path) == \
        'props.pkl: 3 images, 1 proposals per image on average'
    save_proposals(path, {})
    assert proposal_file_summary(path) == \
        'props.pkl: 0 images, 0 proposals per image on average'
