# Copyright (c) mmsniper contributors. All rights reserved.
"""Peak memory and time of AutoFocus and of the full pyramid on huge images.

Builds 22, 89 and ~200 Mpix inputs by tiling a real aerial photo
(``tests/data/sahi/terrain1.jpg``, 2048x1365, mirrored so that the content
stays continuous; cached as JPEG in ``--out-dir``), then, for every mode and
size, runs one fresh worker process that

1. builds the test-time model with mmdet's ``init_detector`` from the
   config made by :func:`mmsniper.apis.tta_config` (the pyramid from
   ``configs/_base_/tta/sniper_pyramid.py``'s ``tta_model``, AutoFocus from
   the config's own ``tta_model``) and runs it once on a small image
   (warm-up: the baseline RSS includes torch, mmdet and the model);
2. runs ``mmdet.apis.inference_detector`` on the file (the test pipeline
   reads it once, as ``tools/test.py`` does);
3. reports the peak RSS of the process (``VmHWM``), the baseline, the
   time, the detections and the pixels processed.

Without ``--checkpoint`` the weights are random: the FocusPixel map is then
~0.5 everywhere, so AutoFocus sends the whole image to every finer scale
(its worst case for memory, the pyramid's pixels). With ``--inputs npy``
each image is also saved once as ``.npy`` (``tools/misc/map_image.py``) and
the worker's pipeline starts with ``LoadMappedImage`` instead of
``LoadImageFromFile``: the image is memory-mapped, never decoded whole.
Results are written to
``OUT_DIR/huge_images.json`` and ``huge_images.png`` (peak RSS against
Mpix) and printed as a markdown table.

Example::

    python tools/analysis/benchmark_huge_images.py \\
        configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py \\
        --checkpoint work_dirs/quickstart/epoch_1.pth --sizes 22 89 200
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import time
from typing import Tuple

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from huge_images_report import plot, print_table  # noqa: E402
DEFAULT_CONFIG = osp.join(
    ROOT, 'configs/autofocus/'
    'autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py')
DEFAULT_SOURCE = osp.join(ROOT, 'tests/data/sahi/terrain1.jpg')
PYRAMID_BASE = osp.join(ROOT, 'configs/_base_/tta/sniper_pyramid.py')
#: Mpix -> (width, height), aspect 1.84 as the issue's aerial mosaics.
SIZES = {22: (6408, 3480), 89: (12816, 6960), 200: (19224, 10440)}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG,
                        help='a training config with an AutoFocus tta_model')
    parser.add_argument('--checkpoint', default=None,
                        help='weights (default: random)')
    parser.add_argument('--sizes', nargs='+', type=int, default=[22, 89, 200],
                        help=f'Mpix, from {sorted(SIZES)} or any number '
                        '(aspect 1.84)')
    parser.add_argument('--modes', nargs='+', default=['autofocus',
                                                       'pyramid'],
                        choices=['autofocus', 'pyramid'])
    parser.add_argument('--source', default=DEFAULT_SOURCE,
                        help='photo to tile')
    parser.add_argument('--out-dir', default='work_dirs/huge_images')
    parser.add_argument('--threads', type=int, default=2,
                        help='torch threads of a worker')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='key=value overrides: model.* of the test-time '
                        'model (e.g. model.tta_cfg.tile.size=1024), others '
                        'of the config (e.g. sniper.test_scales=...)')
    parser.add_argument('--inputs', nargs='+', default=['jpeg'],
                        choices=['jpeg', 'npy'],
                        help='jpeg: the tiled JPEG, decoded by the test '
                        'pipeline; npy: the same image saved as .npy and '
                        'memory-mapped (LoadMappedImage)')
    parser.add_argument('--reuse', action='store_true',
                        help="keep the rows whose json is in OUT_DIR (e.g. "
                        "add --inputs npy to a finished jpeg run)")
    parser.add_argument('--worker', nargs=3, metavar=('MODE', 'IMAGE',
                                                      'JSON'),
                        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def size_of(mpix: int) -> Tuple[int, int]:
    if mpix in SIZES:
        return SIZES[mpix]
    h = int(round((mpix * 1e6 / 1.84)**0.5))
    return int(round(h * 1.84)), h


def build_image(source: str, mpix: int, out_dir: str) -> str:
    """``OUT_DIR/tiled_<W>x<H>.jpg``: ``source`` mirrored and tiled (made
    once, written to a temporary name and renamed)."""
    import cv2
    w, h = size_of(mpix)
    path = osp.join(out_dir, f'tiled_{w}x{h}.jpg')
    if osp.isfile(path):
        return path
    src = cv2.imread(source, cv2.IMREAD_COLOR)
    if src is None:
        raise FileNotFoundError(f'cannot read the source photo {source}')
    sh, sw = src.shape[:2]
    row = [src if k % 2 == 0 else src[:, ::-1] for k in range(-(-w // sw))]
    row = np.concatenate(row, axis=1)[:, :w]
    rows = [row if k % 2 == 0 else row[::-1] for k in range(-(-h // sh))]
    img = np.concatenate(rows, axis=0)[:h]
    del rows, row
    tmp = path + '.tmp.jpg'
    if not cv2.imwrite(tmp, img, [cv2.IMWRITE_JPEG_QUALITY, 90]):
        raise OSError(f'cannot write {tmp}')
    os.replace(tmp, path)
    return path


def rss_mb() -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.
    return float('nan')


def peak_mb() -> float:
    """This process's peak RSS: ``VmHWM``, the high-water mark of its own
    memory map. ``ru_maxrss`` would do on Linux, except that it carries the
    parent's peak over into a fresh child (here: the parent that decoded
    the image for ``--inputs npy``)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.


def worker(args: argparse.Namespace) -> None:
    """One mode on one image, in a fresh process; writes a json."""
    mode, image, out = args.worker
    import torch
    torch.set_num_threads(args.threads)
    from mmdet.apis import inference_detector, init_detector
    from mmengine.config import Config, DictAction

    import mmsniper  # noqa: F401
    from mmsniper.apis import tta_config
    cfg = Config.fromfile(args.config)
    if mode == 'pyramid':
        base = Config.fromfile(PYRAMID_BASE)
        cfg.tta_model = base.tta_model
    opts = {}
    if args.cfg_options:
        parser = argparse.ArgumentParser()
        parser.add_argument('--o', nargs='+', action=DictAction)
        opts = parser.parse_args(['--o'] + args.cfg_options).o
    # `sniper.*` before the block is resolved into the wrapper, `model.*`
    # (the test-time model) after
    cfg.merge_from_dict({k: v for k, v in opts.items()
                         if not k.startswith('model.')})
    cfg = tta_config(cfg, where='benchmark_huge_images')
    cfg.merge_from_dict({k: v for k, v in opts.items()
                         if k.startswith('model.')})
    if image.endswith('.npy'):  # the mapped image: LoadMappedImage
        pipeline = cfg.test_dataloader.dataset.pipeline
        if pipeline[0]['type'] not in ('LoadImageFromFile',
                                       'mmdet.LoadImageFromFile'):
            raise ValueError('the test pipeline does not start with '
                             f'LoadImageFromFile: {pipeline[0]}')
        pipeline[0]['type'] = 'LoadMappedImage'
    if args.checkpoint is None:
        # the same random weights in every worker process, so that the
        # decoded and the mapped input of an image give the same detections
        from mmsniper.utils.seeding import seed_global_rngs
        seed_global_rngs(0)
    model = init_detector(cfg, args.checkpoint, device='cpu')
    # warm-up on a file (mmdet's inference_detector edits model.cfg's
    # pipeline in place for an array, after which paths fail)
    inference_detector(model, DEFAULT_SOURCE)
    base_rss = rss_mb()
    base_peak = peak_mb()
    start = time.perf_counter()
    result = inference_detector(model, image)
    seconds = time.perf_counter() - start
    meta = result.metainfo
    rec = dict(
        mode=mode,
        image=osp.basename(image),
        input='mapped .npy' if image.endswith('.npy') else 'decoded JPEG',
        mpix=float(np.prod(meta['ori_shape'])) / 1e6,
        seconds=seconds,
        baseline_rss_mb=base_rss,
        baseline_peak_mb=base_peak,
        peak_rss_mb=peak_mb(),
        detections=int(len(result.pred_instances)),
        pixels_processed=int(meta.get('pixels_processed', 0)),
        full_pyramid_pixels=int(meta.get('full_pyramid_pixels', 0)),
        random_weights=args.checkpoint is None)
    with open(out + '.tmp', 'w') as f:
        json.dump(rec, f)
    os.replace(out + '.tmp', out)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return
    from mmengine.utils import ProgressBar
    os.makedirs(args.out_dir, exist_ok=True)
    images = []
    for m in args.sizes:
        jpg = build_image(args.source, m, args.out_dir)
        if 'jpeg' in args.inputs:
            images.append((m, jpg, ''))
        if 'npy' in args.inputs:
            npy = osp.splitext(jpg)[0] + '.npy'
            if not osp.isfile(npy):
                from mmsniper.fileio import convert_to_mapped
                convert_to_mapped(jpg, npy)
            images.append((m, npy, '_mapped'))
    records = []
    bar = ProgressBar(len(images) * len(args.modes))
    for mpix, image, tag in images:
        for mode in args.modes:
            out = osp.join(args.out_dir, f'{mode}_{mpix}{tag}.json')
            if args.reuse and osp.isfile(out):
                with open(out) as f:
                    records.append(json.load(f))
                bar.update()
                continue
            cmd = [sys.executable, osp.abspath(__file__), args.config,
                   '--worker', mode, image, out,
                   '--threads', str(args.threads)]
            if args.checkpoint:
                cmd += ['--checkpoint', args.checkpoint]
            if args.cfg_options:
                cmd += ['--cfg-options'] + args.cfg_options
            env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
            proc = subprocess.run(cmd, env=env, capture_output=True,
                                  text=True)
            if proc.returncode != 0:
                print(proc.stdout[-3000:], proc.stderr[-3000:],
                      file=sys.stderr)
                raise RuntimeError(f'worker {mode} on {image} failed '
                                   f'(exit {proc.returncode})')
            with open(out) as f:
                records.append(json.load(f))
            bar.update()
    print()
    summary = osp.join(args.out_dir, 'huge_images.json')
    with open(summary + '.tmp', 'w') as f:
        json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                       records=records), f, indent=2)
    os.replace(summary + '.tmp', summary)
    plot(records, osp.join(args.out_dir, 'huge_images.png'))
    print_table(records)

if __name__ == '__main__':
    main()
