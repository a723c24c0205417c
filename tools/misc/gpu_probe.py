# Copyright (c) mmsniper contributors. All rights reserved.
"""The measuring steps of ``tools/misc/gpu_check.sh`` (also runs on a CPU).

``train``: 20 iterations of the R-101 SNIPER config's detector with AMP on
synthetic 512x512 chips (random images, 2-12 random boxes each, the
config's optimiser and AMP wrapper), reporting s/iter (the mean of the
second half), chips/s, peak device memory and the last losses (which must
be finite).

``infer``: ms per image of the detector at one scale (``single``), the full
SNIPER pyramid (the config's ``tta_model``, spec 4) and AutoFocus (the
AutoFocus config's ``tta_model``), built by mmdet's ``init_detector`` from
:func:`mmsniper.apis.tta_config`, on the real photos of ``tests/data/sahi``;
then one AutoFocus image under ``torch.profiler`` and the device-to-host
copies of it (count and bytes; the test-time loop should make none of image
or chip size, only small detection tensors). Without ``--checkpoint`` the
weights are random: AutoFocus then sends the whole image to every scale
(its slowest case) and the ms are an upper bound.

Each step prints one json line (``GPU_PROBE {...}``) that gpu_check.sh
collects.
"""
import argparse
import glob
import json
import os.path as osp
import sys
import time

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:  # run from a checkout without pip install -e
    sys.path.insert(0, ROOT)
SNIPER_CFG = osp.join(ROOT, 'configs/sniper/'
                      'sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py')
AUTOFOCUS_CFG = osp.join(
    ROOT, 'configs/autofocus/'
    'autofocus_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('step', choices=['train', 'infer'])
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--batch', type=int, default=16,
                        help='chips per iteration (the config: 16 per GPU)')
    parser.add_argument('--chip', type=int, default=512)
    parser.add_argument('--images', type=int, default=4,
                        help='timed images per mode')
    parser.add_argument('--checkpoint', default=None,
                        help='AutoFocus R-101 weights (default: random)')
    parser.add_argument('--profile-out', default=None,
                        help='write the profiler table here')
    return parser.parse_args(argv)


def emit(rec: dict) -> None:
    print('GPU_PROBE ' + json.dumps(rec), flush=True)


def sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def _random_chips(n: int, size: int, num_classes: int, device: str,
                  rng: np.random.Generator):
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(
            torch.from_numpy(rng.integers(0, 256, (3, size, size),
                                          dtype=np.uint8)))
        k = int(rng.integers(2, 13))
        wh = rng.uniform(16, size * 0.6, (k, 2))
        xy = rng.uniform(0, 1, (k, 2)) * (size - wh)
        boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)
        gt = InstanceData(
            bboxes=torch.from_numpy(boxes),
            labels=torch.from_numpy(rng.integers(0, num_classes, k)))
        s = DetDataSample(metainfo=dict(img_shape=(size, size),
                                        ori_shape=(size, size),
                                        scale_factor=(1., 1.)))
        s.gt_instances = gt
        s.ignored_instances = InstanceData(
            bboxes=torch.zeros((0, 4)), labels=torch.zeros((0, ),
                                                           dtype=torch.long))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def train(args) -> None:
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope

    import mmsniper  # noqa: F401
    from mmsniper.engine import resolve_sniper_block
    cfg = Config.fromfile(SNIPER_CFG)
    resolve_sniper_block(cfg)
    init_default_scope('mmdet')
    cfg.model.backbone.init_cfg = None  # no download
    model = MODELS.build(cfg.model).to(args.device)
    model.train()
    optim_cfg = cfg.optim_wrapper
    if not args.device.startswith('cuda'):
        optim_cfg = dict(optim_cfg, type='OptimWrapper')
        optim_cfg.pop('loss_scale', None)
    optim = build_optim_wrapper(model, optim_cfg)
    rng = np.random.default_rng(0)
    num_classes = model.roi_head.bbox_head.num_classes
    if args.device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    times = []
    losses = {}
    for _ in range(args.iters):
        data = _random_chips(args.batch, args.chip, num_classes, args.device,
                             rng)
        sync(args.device)
        start = time.perf_counter()
        with optim.optim_context(model):
            data = model.data_preprocessor(data, True)
            losses = model(**data, mode='loss')
        loss, log_vars = model.parse_losses(losses)
        optim.update_params(loss)
        sync(args.device)
        times.append(time.perf_counter() - start)
    half = times[len(times) // 2:]
    log_vars = {k: float(torch.as_tensor(v).detach())
                for k, v in log_vars.items()}
    finite = all(np.isfinite(v) for v in log_vars.values())
    emit(dict(
        step='train', config=osp.relpath(SNIPER_CFG, ROOT),
        optim_wrapper=optim_cfg['type'], iters=args.iters, batch=args.batch,
        chip=args.chip, s_per_iter=float(np.mean(half)),
        chips_per_s=float(args.batch / np.mean(half)),
        peak_mem_gb=(torch.cuda.max_memory_allocated() / 2**30
                     if args.device.startswith('cuda') else None),
        losses=log_vars,
        finite=bool(finite)))
    if not finite:
        sys.exit('error: non-finite loss in the AMP training probe')


def _models(args):
    from mmdet.apis import init_detector
    from mmengine.config import Config

    import mmsniper  # noqa: F401
    from mmsniper.apis import tta_config
    af = Config.fromfile(AUTOFOCUS_CFG)
    af.model.backbone.init_cfg = None
    pyr = Config.fromfile(AUTOFOCUS_CFG)
    pyr.model.backbone.init_cfg = None
    pyr.tta_model = Config.fromfile(
        osp.join(ROOT, 'configs/_base_/tta/sniper_pyramid.py')).tta_model
    return dict(
        single=init_detector(af, args.checkpoint, device=args.device),
        pyramid=init_detector(tta_config(pyr), args.checkpoint,
                              device=args.device),
        autofocus=init_detector(tta_config(af), args.checkpoint,
                                device=args.device))


def infer(args) -> None:
    import cv2
    from mmdet.apis import inference_detector
    files = sorted(glob.glob(osp.join(ROOT, 'tests/data/sahi/*.jpg')) +
                   glob.glob(osp.join(ROOT, 'tests/data/sahi/*.png')))
    if not files:
        sys.exit('error: no images in tests/data/sahi')
    imgs = [cv2.imread(f, cv2.IMREAD_COLOR) for f in files]
    imgs = (imgs * args.images)[:max(args.images, 1)]
    models = _models(args)
    for name, model in models.items():
        inference_detector(model, imgs[0])  # warm-up
        sync(args.device)
        start = time.perf_counter()
        pixels, full, ndet = 0, 0, 0
        for img in imgs:
            res = inference_detector(model, img)
            pixels += res.metainfo.get('pixels_processed',
                                       int(np.prod(res.img_shape)))
            full += res.metainfo.get('full_pyramid_pixels', 0)
            ndet += len(res.pred_instances)
        sync(args.device)
        ms = (time.perf_counter() - start) * 1e3 / len(imgs)
        emit(dict(step='infer', mode=name, ms_per_image=ms,
                  mpix_per_image=pixels / len(imgs) / 1e6,
                  pyramid_pixel_pct=(100. * pixels / full if full else None),
                  detections_per_image=ndet / len(imgs),
                  random_weights=args.checkpoint is None))
    # device-to-host copies of one AutoFocus image
    from torch.profiler import ProfilerActivity, profile
    acts = [ProfilerActivity.CPU]
    if args.device.startswith('cuda'):
        acts.append(ProfilerActivity.CUDA)
    with profile(activities=acts, record_shapes=True) as prof:
        inference_detector(models['autofocus'], imgs[0])
        sync(args.device)
    events = prof.key_averages()
    dtoh = [e for e in events if 'DtoH' in e.key or 'Device -> Host' in e.key
            or 'Memcpy DtoH' in e.key]
    table = events.table(sort_by='self_cpu_time_total', row_limit=40)
    if args.profile_out:
        with open(args.profile_out, 'w') as f:
            f.write(table)
    emit(dict(step='profile', mode='autofocus',
              dtoh_events={e.key: int(e.count) for e in dtoh},
              image_bytes=int(imgs[0].nbytes)))


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        sys.exit('error: --device cuda but torch sees no GPU')
    torch.backends.cudnn.benchmark = False
    (train if args.step == 'train' else infer)(args)


if __name__ == '__main__':
    main()
