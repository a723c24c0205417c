"""tools/analysis/training_eval.py: the val subset benchmark_training
scores its arms on."""
import json

from mmengine.config import ConfigDict


def _coco(n):
    images = [dict(id=i, file_name=f'{i}.png', width=64, height=48)
              for i in range(1, n + 1)]
    anns = [dict(id=10 * i + k, image_id=i, category_id=1,
                 bbox=[1, 2, 10, 10], area=100, iscrowd=0)
            for i in range(1, n + 1) for k in range(i)]
    return dict(images=images, annotations=anns,
                categories=[dict(id=1, name='a')])


def _setup(tmp_path, n):
    (tmp_path / 'data' / 'annotations').mkdir(parents=True)
    (tmp_path / 'data' / 'annotations' / 'instances_val.json').write_text(
        json.dumps(_coco(n)))
    cfg = ConfigDict(train_dataloader=dict(dataset=dict(dataset=dict(
        data_root=str(tmp_path / 'data') + '/'))))
    return cfg


def test_val_subset_keeps_the_first_images_and_their_boxes(
        load_tool, tmp_path):
    tool = load_tool('training_eval')
    cfg = _setup(tmp_path, 4)

    class Args:
        val_images, work_dir = 2, str(tmp_path / 'work')

    (tmp_path / 'work').mkdir()
    out = json.loads(open(tool.val_subset(Args, cfg)).read())
    assert [im['id'] for im in out['images']] == [1, 2]
    # image 1 has one box, image 2 two: none of images 3 and 4
    assert sorted(a['id'] for a in out['annotations']) == [10, 20, 21]
    Args.val_images = 0  # 0: all images
    out = json.loads(open(tool.val_subset(Args, cfg)).read())
    assert len(out['images']) == 4 and len(out['annotations']) == 10
