"""mmsniper.datasets.image_anns: the annotation table of SniperDataset."""
import numpy as np
import pytest

from mmsniper.datasets.image_anns import ImageAnns


class _Infos:
    """A dataset of hand-made ``data_info`` dicts."""

    def __init__(self, infos):
        self.infos = infos

    def __len__(self):
        return len(self.infos)

    def get_data_info(self, i):
        return dict(self.infos[i])


INFOS = [
    dict(img_id=7, height=10, width=20, instances=[
        dict(bbox=[0, 0, 5, 5]), dict(bbox=[1, 1, 4, 6], ignore_flag=1)]),
    dict(img_id=9, height=30, width=40),
]


def test_table():
    anns = ImageAnns(_Infos(INFOS))
    assert len(anns) == 2 and anns.img_ids == [7, 9]
    np.testing.assert_array_equal(anns.shapes, [[10, 20], [30, 40]])
    assert anns.boxes[0].dtype == np.float32
    np.testing.assert_array_equal(anns.boxes[0], [[0, 0, 5, 5], [1, 1, 4, 6]])
    assert anns.ignore[0].tolist() == [False, True]
    assert anns.boxes[1].shape == (0, 4) and anns.ignore[1].shape == (0, )


def test_plan_drops_and_repairs():
    def plan(i, info):
        return info, i == 0  # image 0 dropped: no boxes

    anns = ImageAnns(_Infos(INFOS), plan)
    assert anns.boxes[0].shape == (0, 4) and anns.img_ids == [7, 9]


def test_missing_size_names_the_image():
    with pytest.raises(KeyError) as e:
        ImageAnns(_Infos([INFOS[0], dict(img_id=9, width=4)]))
    assert "image 9 has keys ['img_id', 'width']" in e.value.args[0]
