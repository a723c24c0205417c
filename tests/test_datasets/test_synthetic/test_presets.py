# Copyright (c) mmsniper contributors. All rights reserved.
"""The named sizes of the synthetic dataset
(:mod:`mmsniper.datasets.synthetic.presets`)."""
import json

import pytest

from mmsniper.datasets.synthetic.presets import (PRESETS, SPLITS,
                                                 SyntheticPreset, get_preset)


def test_unknown_preset():
    with pytest.raises(ValueError, match="'nope'.*tiny, quickstart, bench"):
        get_preset('nope')
    assert set(PRESETS) == {'tiny', 'quickstart', 'bench'}
    assert PRESETS['bench'].split_sizes == dict(train=300, val=100, test=100)


def test_the_named_presets():
    """The table of the module doc."""
    table = dict(tiny=((8, 4, 4), (1000, 1300), (10, 40), 0.0),
                 quickstart=((200, 40, 40), (1000, 1400), (10, 60), 0.05),
                 bench=((300, 100, 100), (1000, 2000), (10, 60), 0.1))
    for name, (sizes, side, objects, dense) in table.items():
        p = get_preset(name)
        assert p.name == name and p is PRESETS[name]
        assert tuple(p.split_sizes) == SPLITS == ('train', 'val', 'test')
        assert tuple(p.split_sizes.values()) == sizes
        assert (p.img_size_range, p.num_objects, p.dense_prob) == (
            side, objects, dense)
        assert p.seed == 0


def test_instances_pass_through_and_replace_copies():
    tiny = get_preset('tiny')
    mini = tiny.replace(name='mini', num_objects=(3, 6))
    assert get_preset(mini) is mini
    assert (mini.name, mini.num_objects) == ('mini', (3, 6))
    assert (tiny.name, tiny.num_objects) == ('tiny', (10, 40))  # unchanged
    assert mini.img_size_range == tiny.img_size_range
    with pytest.raises(TypeError):
        tiny.replace(num_objcts=3)  # a typo is no new field
    with pytest.raises(AttributeError):
        tiny.name = 'other'  # frozen


def test_to_dict_is_json_ready():
    p = SyntheticPreset(name='x', split_sizes={'train': 2},
                        img_size_range=(5, 6))
    d = p.to_dict()
    assert d['name'] == 'x' and d['split_sizes'] == {'train': 2}
    assert d['img_size_range'] == [5, 6]  # tuples become lists
    assert d['obj_size_range'] == [8.0, 600.0]
    assert json.loads(json.dumps(d)) == d
    assert set(d) == set(SyntheticPreset.__dataclass_fields__)
    assert SyntheticPreset(**d).to_dict() == d  # it rebuilds the preset
