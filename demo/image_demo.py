# Copyright (c) mmsniper contributors. All rights reserved.
"""Detect objects in an image or a folder of images and save drawings.

    python demo/image_demo.py IMAGE_OR_FOLDER CONFIG CHECKPOINT \
        --mode autofocus --show-chips --show-heatmap --out-dir outputs/

``--mode`` picks single-scale, SNIPER multi-scale (``sniper``) or AutoFocus
(``autofocus``, needs a detector with a FocusPixel head, e.g. a config
from ``configs/autofocus/``). For each image it writes
``OUT_DIR/<name>.jpg`` with the detections (score >= ``--score-thr``) and,
on request, the FocusChips of each finer scale (``--show-chips``: yellow =
second scale, cyan = third) and the coarsest FocusPixel map as a heat map
(``--show-heatmap``), and prints one line per image. Grayscale, RGBA and
16-bit images are converted to 8-bit BGR (see
``mmsniper.apis.inference``); an unreadable file stops with an error naming
it.
"""
import argparse
import os
import os.path as osp
import sys
import time

import mmcv
from mmengine.config import DictAction

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('inputs', help='an image file or a folder of images')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--mode',
        choices=['single', 'sniper', 'autofocus'],
        default=None,
        help='inference mode (default: the config\'s test_mode, else '
        'single)')
    parser.add_argument(
        '--out-dir', default='outputs', help='folder for the drawings')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--score-thr', type=float, default=0.3, help='drawn box score')
    parser.add_argument(
        '--show-chips', action='store_true', help='draw the FocusChips')
    parser.add_argument(
        '--show-heatmap',
        action='store_true',
        help='overlay the FocusPixel map (coarsest scale)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, key=value')
    return parser.parse_args(argv)


def list_images(inputs: str) -> list:
    if osp.isdir(inputs):
        files = sorted(
            osp.join(inputs, f) for f in os.listdir(inputs)
            if f.lower().endswith(IMG_EXTENSIONS))
        if not files:
            raise FileNotFoundError(f'no images ({", ".join(IMG_EXTENSIONS)})'
                                    f' in folder {inputs}')
        return files
    if not osp.isfile(inputs):
        raise FileNotFoundError(f'image file not found: {inputs}')
    return [inputs]


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmsniper.apis import (inference_image, init_sniper_detector,
                               load_image)
    from mmsniper.visualization import FocusVisualizer

    files = list_images(args.inputs)
    model = init_sniper_detector(
        args.config, args.checkpoint, mode=args.mode, device=args.device,
        cfg_options=args.cfg_options)
    visualizer = FocusVisualizer(name=f'mmsniper_demo_{id(model)}')
    visualizer.dataset_meta = model.dataset_meta
    os.makedirs(args.out_dir, exist_ok=True)
    for path in files:
        img = load_image(path)  # BGR uint8; errors name the file
        start = time.perf_counter()
        result = inference_image(model, img)
        ms = (time.perf_counter() - start) * 1000
        name = osp.splitext(osp.basename(path))[0] + '.jpg'
        out_file = osp.join(args.out_dir, name)
        visualizer.add_datasample(
            name,
            mmcv.bgr2rgb(img),
            result,
            draw_gt=False,
            pred_score_thr=args.score_thr,
            out_file=out_file,
            draw_focus_map=args.show_heatmap,
            draw_focus_chips=args.show_chips)
        scores = result.pred_instances.scores
        n = int((scores >= args.score_thr).sum())
        pix = result.get('pixels_processed', None)
        if pix is None:
            h, w = result.img_shape
            pix = h * w
        chips = result.get('focus_chips', None)
        chip_txt = ('' if chips is None else ', chips per scale ' +
                    '/'.join(str(len(c)) for c in chips))
        print(f'{path}: {n} detections >= {args.score_thr}, {ms:.0f} ms, '
              f'{pix / 1e6:.2f} Mpix{chip_txt} -> {out_file}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        sys.exit(2)
