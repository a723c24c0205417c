"""SNIPER chips vs. full-image multi-scale training, side by side.

    python tools/analysis/benchmark_training.py CONFIG [--budget 300]

CONFIG is a SNIPER config (e.g. configs/sniper/
sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py). Two arms train the
same model (CONFIG's model, optimizer and base learning rate, from the same
initial weights) at the same scales (CONFIG's ``chip_cfg.scales``) for the
same wall-clock budget, *at the same time* (two processes, one torch thread
each, so background load hits both alike):

- ``sniper``: CONFIG's own training data, SniperDataset chips;
- ``full``: the wrapped dataset with mmdet's standard multi-scale pipeline
  at those scales (``RandomChoice`` over one ``Resize`` per scale: a factor
  ``s`` is ``Resize(scale_factor=s)``, a long side ``L`` is
  ``Resize(scale=(L, L), keep_ratio=True)``), batch ``--full-batch-size``.

Reported per arm: training inputs (chips / resized images) per second,
network pixels per input, network pixels per source image for one pass over
all scales (SNIPER: its chips; full: the 3-level image pyramid), source
images per second at all scales, peak memory (max RSS during training) and
bbox mAP on the val split after the budget, with SNIPER's multi-scale
inference (full image at each scale, per-scale valid-range filter, soft-NMS
merge; ``--test-valid-ranges``) and without the filter.
"""
import argparse
import copy
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import time

import numpy as np

ARMS = ('sniper', 'full')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='SNIPER config')
    p.add_argument('--budget', type=float, default=300,
                   help='training seconds per arm (wall clock)')
    p.add_argument('--work-dir', default='work_dirs/benchmark_training')
    p.add_argument('--threads', type=int, default=1,
                   help='torch threads per arm')
    p.add_argument('--full-batch-size', type=int, default=2,
                   help='images per iteration of the full-image arm '
                   "(mmdet's usual 2 per GPU)")
    p.add_argument('--warmup-iters', type=int, default=50)
    p.add_argument('--val-images', type=int, default=0,
                   help='evaluate on the first N val images (0: all)')
    p.add_argument('--test-valid-ranges', type=str, default=None,
                   help='per-scale test valid ranges as a python literal; '
                   'default: the config\'s test_valid_ranges, else the '
                   'training ones')
    p.add_argument('--arms', nargs='+', default=list(ARMS), choices=ARMS)
    p.add_argument('--skip-eval', action='store_true')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--eval-checkpoint',
                   help='only evaluate this checkpoint of CONFIG with the '
                   'multi-scale procedure above, print the mAPs and exit')
    p.add_argument('--arm', choices=ARMS, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def full_image_pipeline(scales, backend_args=None) -> list:
    """mmdet's standard multi-scale training pipeline at SNIPER's scales."""
    from mmsniper.chips.scales import parse_scale
    choices = []
    for spec in scales:
        kind, a, b = parse_scale(spec)
        if kind == 'factor':
            choices.append([dict(type='Resize', scale_factor=a,
                                 keep_ratio=True)])
        elif kind == 'long':
            choices.append([dict(type='Resize', scale=(int(a), int(a)),
                                 keep_ratio=True)])
        else:
            choices.append([dict(type='Resize', scale=(int(b), int(a)),
                                 keep_ratio=True)])
    return [
        dict(type='LoadImageFromFile', backend_args=backend_args),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='RandomChoice', transforms=choices),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackDetInputs')
    ]


def _test_valid_ranges(cfg) -> list:
    """The ``sniper`` block's test ranges, else the training ranges."""
    from mmsniper.engine import read_sniper_block
    train_ranges = cfg.train_dataloader.dataset.chip_cfg.valid_ranges
    return read_sniper_block(cfg).get('test_valid_ranges', train_ranges)


def arm_dataloader(cfg, arm: str, full_batch_size: int) -> dict:
    dl = copy.deepcopy(cfg.train_dataloader)
    dl.num_workers = 0
    dl.persistent_workers = False
    if arm == 'sniper':
        return dl
    inner = dl.dataset.dataset
    inner.pipeline = full_image_pipeline(
        dl.dataset.chip_cfg.scales, inner.get('backend_args', None))
    return dict(
        batch_size=full_batch_size,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True),
        batch_sampler=dict(type='AspectRatioBatchSampler'),
        dataset=inner)


# ---------------------------------------------------------------- evaluation
def predict_scales(model, img, scales):
    """Per-scale detections of one image in original pixels:
    ``[(bboxes, scores, labels), ...]``."""
    import cv2
    import torch
    from mmdet.structures import DetDataSample
    from mmsniper.chips.scales import scale_factor, scaled_size
    h, w = img.shape[:2]
    out = []
    for spec in scales:
        f = scale_factor(spec, (h, w))
        sh, sw = scaled_size((h, w), f)
        x = cv2.resize(img, (sw, sh), interpolation=cv2.INTER_LINEAR)
        sample = DetDataSample(
            metainfo=dict(ori_shape=(h, w), img_shape=(sh, sw),
                          scale_factor=(sw / w, sh / h)))
        with torch.no_grad():
            pred = model.test_step(
                dict(inputs=[torch.from_numpy(x.transpose(2, 0, 1).copy())],
                     data_samples=[sample]))[0].pred_instances
        out.append((pred.bboxes.float(), pred.scores.float(),
                    pred.labels.long()))
    return out


def coco_map(ann_file, dets_per_img, cat_ids):
    """bbox mAP and mAP@0.5 of ``{img_id: (bboxes, scores, labels)}``."""
    import contextlib
    import io
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    res = []
    for img_id, (b, s, l) in dets_per_img.items():
        b = b.numpy()
        for k in range(len(b)):
            res.append(dict(image_id=img_id, category_id=cat_ids[int(l[k])],
                            bbox=[float(b[k, 0]), float(b[k, 1]),
                                  float(b[k, 2] - b[k, 0]),
                                  float(b[k, 3] - b[k, 1])],
                            score=float(s[k])))
    if not res:
        return dict(bbox_mAP=0.0, bbox_mAP_50=0.0)
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ann_file)
        dt = gt.loadRes(res)
        ev = COCOeval(gt, dt, 'bbox')
        ev.params.imgIds = sorted(dets_per_img)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return dict(bbox_mAP=round(float(ev.stats[0]), 4),
                bbox_mAP_50=round(float(ev.stats[1]), 4),
                bbox_mAP_s=round(float(ev.stats[3]), 4),
                bbox_mAP_m=round(float(ev.stats[4]), 4),
                bbox_mAP_l=round(float(ev.stats[5]), 4))


def evaluate(model, cfg, scales, test_ranges, max_images):
    import mmcv
    from mmdet.registry import DATASETS
    from mmengine.fileio import get
    from mmsniper.chips.merge import merge_detections
    from mmsniper.chips.valid_ranges import valid_range_filter
    vcfg = copy.deepcopy(cfg.val_dataloader.dataset)
    vcfg.pipeline = []
    ds = DATASETS.build(vcfg)
    ds.full_init()
    n = len(ds) if max_images <= 0 else min(max_images, len(ds))
    model.eval()
    per_scale = {}
    t = time.perf_counter()
    for i in range(n):
        info = ds.get_data_info(i)
        img = mmcv.imfrombytes(get(info['img_path']), flag='color')
        per_scale[info['img_id']] = predict_scales(model, img, scales)
    infer_s = time.perf_counter() - t
    max_det = cfg.model.test_cfg.rcnn.get('max_per_img', 100)
    out = {}
    for name, use_ranges in (('valid_ranges', True), ('no_filter', False)):
        merged = {}
        for img_id, parts in per_scale.items():
            if use_ranges:
                parts = [(b[m], s[m], l[m]) for (b, s, l), r in zip(
                    parts, test_ranges)
                         for m in [valid_range_filter(b, r)]]
            merged[img_id] = merge_detections(parts, max_per_img=max_det)
        out[name] = coco_map(cfg.val_evaluator.ann_file, merged, ds.cat_ids)
    out['val_images'] = n
    out['inference_s_per_image'] = round(infer_s / max(n, 1), 2)
    return out


# ---------------------------------------------------------------- one arm
def run_arm(args) -> dict:
    import torch
    torch.set_num_threads(args.threads)
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    from mmdet.registry import MODELS

    import mmsniper  # noqa: F401
    from mmsniper.engine import resolve_sniper_block
    from mmsniper.datasets import SniperDataset
    from mmsniper.utils.dataset_walk import find_dataset
    cfg = resolve_sniper_block(Config.fromfile(args.config))
    init_default_scope('mmdet')
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    model = MODELS.build(cfg.model)
    model.init_weights()  # same seed -> same initial weights in both arms
    model.train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    base_lrs = [g['lr'] for g in optim.optimizer.param_groups]
    loader = Runner.build_dataloader(
        arm_dataloader(cfg, args.arm, args.full_batch_size), seed=args.seed)
    sniper_ds = find_dataset(loader.dataset, SniperDataset)
    scales = cfg.train_dataloader.dataset.chip_cfg.scales
    rss_ready = _maxrss_mb()

    it = inputs = 0
    net_pixels = 0.0
    epoch = 0
    losses = []
    data_iter = iter(loader)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < args.budget:
        try:
            data = next(data_iter)
        except StopIteration:
            epoch += 1
            if sniper_ds is not None:
                sniper_ds.set_epoch(epoch)  # what ChipRebuildHook does
            data_iter = iter(loader)
            continue
        warm = min(1.0, (it + 1) / max(args.warmup_iters, 1))
        for g, lr in zip(optim.optimizer.param_groups, base_lrs):
            g['lr'] = lr * warm
        hs = [x.shape[1] for x in data['inputs']]
        ws = [x.shape[2] for x in data['inputs']]
        pad = 32
        net_pixels += len(hs) * (-(-max(hs) // pad) * pad) * (
            -(-max(ws) // pad) * pad)
        log = model.train_step(data, optim)
        losses.append(float(sum(v for k, v in log.items() if 'loss' in k)))
        inputs += len(hs)
        it += 1
    train_s = time.perf_counter() - t0
    rss_train = _maxrss_mb()
    if sniper_ds is not None:
        chips_per_img = sniper_ds.stats['num_chips'] / max(
            sniper_ds.stats['images_with_chips'], 1)
        pyramid_inputs = chips_per_img
        img_pixels = sniper_ds.stats['pixels_per_image']
    else:
        pyramid_inputs = float(len(scales))
        img_pixels = pyramid_pixels(loader.dataset, scales)
    res = dict(
        arm=args.arm,
        budget_s=args.budget,
        train_s=round(train_s, 1),
        iterations=it,
        inputs=inputs,
        passes=epoch,
        inputs_per_s=round(inputs / train_s, 3),
        net_pixels_per_input=round(net_pixels / max(inputs, 1)),
        net_pixels_per_source_image=round(img_pixels),
        inputs_per_source_image=round(pyramid_inputs, 2),
        source_images_per_s=round(inputs / train_s / pyramid_inputs, 4),
        net_mpixels_per_s=round(net_pixels / train_s / 1e6, 3),
        peak_rss_mb=round(rss_train),
        rss_before_training_mb=round(rss_ready),
        final_loss=round(float(np.mean(losses[-20:])), 4) if losses else None)
    torch.save(model.state_dict(), osp.join(args.work_dir, f'{args.arm}.pth'))
    if not args.skip_eval:
        ranges = eval(args.test_valid_ranges) if args.test_valid_ranges \
            else _test_valid_ranges(cfg)
        res['test_valid_ranges'] = [list(r) for r in ranges]
        res['eval'] = evaluate(model, cfg, scales, ranges, args.val_images)
    return res


def pyramid_pixels(dataset, scales) -> float:
    """Mean padded pixels of the image pyramid of ``dataset``'s images."""
    from mmsniper.chips.scales import scale_factor
    tot = 0.0
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        h, w = info['height'], info['width']
        for spec in scales:
            f = scale_factor(spec, (h, w))
            tot += (-(-round(h * f) // 32) * 32) * (-(-round(w * f) // 32) *
                                                    32)
    return tot / max(len(dataset), 1)


# ---------------------------------------------------------------- report
def table(results: dict) -> str:
    s, f = results.get('sniper'), results.get('full')
    rows = [
        ('training inputs / s (chips or images)', 'inputs_per_s', '{:.2f}'),
        ('network pixels per input', 'net_pixels_per_input', '{:,.0f}'),
        ('inputs per source image (all scales)', 'inputs_per_source_image',
         '{:.2f}'),
        ('network pixels per source image (all scales)',
         'net_pixels_per_source_image', '{:,.0f}'),
        ('source images / s (all scales)', 'source_images_per_s', '{:.3f}'),
        ('network Mpixels / s', 'net_mpixels_per_s', '{:.2f}'),
        ('peak memory (max RSS, MB)', 'peak_rss_mb', '{:,.0f}'),
        ('iterations in the budget', 'iterations', '{:d}'),
    ]
    out = ['| | SNIPER chips | full-image multi-scale | SNIPER / full |',
           '|---|---:|---:|---:|']
    for name, key, fmt in rows:
        a = s[key] if s else None
        b = f[key] if f else None
        ratio = (f'{a / b:.2f}x' if isinstance(a, (int, float)) and
                 isinstance(b, (int, float)) and b else '')
        out.append(f'| {name} | {fmt.format(a) if a is not None else "-"} | '
                   f'{fmt.format(b) if b is not None else "-"} | {ratio} |')
    for variant, label in (('valid_ranges', 'with test valid ranges'),
                           ('no_filter', 'without range filter')):
        for key in ('bbox_mAP', 'bbox_mAP_50'):
            vals = [r['eval'][variant][key] if r and 'eval' in r else None
                    for r in (s, f)]
            out.append(f'| val {key} ({label}) | ' + ' | '.join(
                f'{v:.3f}' if v is not None else '-' for v in vals) + ' | |')
    return '\n'.join(out)


def eval_checkpoint(args) -> dict:
    import torch
    torch.set_num_threads(args.threads)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmdet.registry import MODELS

    import mmsniper  # noqa: F401
    from mmsniper.engine import resolve_sniper_block
    cfg = resolve_sniper_block(Config.fromfile(args.config))
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.eval_checkpoint, map_location='cpu')
    chip_cfg = cfg.train_dataloader.dataset.chip_cfg
    ranges = eval(args.test_valid_ranges) if args.test_valid_ranges else \
        _test_valid_ranges(cfg)
    return evaluate(model, cfg, chip_cfg.scales, ranges, args.val_images)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    if args.eval_checkpoint:
        print(json.dumps(eval_checkpoint(args), indent=1))
        return 0
    if args.arm:
        res = run_arm(args)
        with open(osp.join(args.work_dir, f'{args.arm}.json'), 'w') as fh:
            json.dump(res, fh, indent=1)
        return 0
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    env['PYTHONPATH'] = osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))) + (
            ':' + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
    base = [sys.executable, osp.abspath(__file__)] + [
        a for a in (argv if argv is not None else sys.argv[1:])
        if a not in ARMS and a != '--arms'
    ]
    procs = {}
    for arm in args.arms:
        log = open(osp.join(args.work_dir, f'{arm}.log'), 'w')
        procs[arm] = (subprocess.Popen(base + ['--arm', arm], env=env,
                                       stdout=log, stderr=subprocess.STDOUT),
                      log)
    failed = []
    for arm, (p, log) in procs.items():
        if p.wait() != 0:
            failed.append(arm)
        log.close()
    if failed:
        print(f'arm(s) {failed} failed; see {args.work_dir}/<arm>.log',
              file=sys.stderr)
        return 1
    results = {}
    for arm in args.arms:
        with open(osp.join(args.work_dir, f'{arm}.json')) as fh:
            results[arm] = json.load(fh)
    summary = dict(command=' '.join(['python'] + sys.argv), results=results)
    with open(osp.join(args.work_dir, 'benchmark.json'), 'w') as fh:
        json.dump(summary, fh, indent=1)
    print(table(results))
    print(f'\nfull results: {args.work_dir}/benchmark.json')
    return 0


if __name__ == '__main__':
    sys.exit(main())
