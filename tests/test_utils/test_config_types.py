"""mmsniper.utils.config_types.type_name."""
from mmsniper.datasets import SniperDataset
from mmsniper.utils.config_types import type_name


def test_type_name():
    assert type_name(dict(type='mmdet.SniperDataset')) == 'SniperDataset'
    assert type_name(dict(type='CocoDataset')) == 'CocoDataset'
    assert type_name(dict(type=SniperDataset)) == 'SniperDataset'
    assert type_name(dict()) == ''
