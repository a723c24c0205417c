# Copyright (c) mmsniper contributors. All rights reserved.
"""Detect objects in an image or a folder of images and save drawings.

    python demo/image_demo.py IMAGE_OR_FOLDER CONFIG CHECKPOINT \
        [--tta] --show-chips --show-heatmap --out-dir outputs/

The config chooses the test, as for ``tools/test.py``: a training config
runs its detector at one scale, the same config with ``--tta`` its
``tta_model`` (the SNIPER pyramid, or AutoFocus for the configs of
``configs/autofocus/``; :func:`mmsniper.apis.tta_config`), and a test-time
leaf config (``*_pyramid-test.py``, ``*_autofocus-test.py``) its wrapper
without ``--tta``. CHECKPOINT is the training checkpoint in every case
(AutoFocus needs one with FocusPixel head weights). The model is built by
``mmdet.apis.init_detector``.

For each image it writes ``OUT_DIR/<name>.jpg`` with the detections (score
>= ``--score-thr``) and, on request, the FocusChips of each finer scale
(``--show-chips``: yellow = second scale, cyan = third) and the coarsest
FocusPixel map as a heat map (``--show-heatmap``), and prints one line per
image: detections, milliseconds, megapixels processed and, for the
multi-scale wrappers, their share of the full pyramid
(``pixels_processed / full_pyramid_pixels``). Grayscale, RGBA and 16-bit
images are converted to 8-bit BGR (see ``mmsniper.apis.inference``); an
unreadable file, a bad config or ``--tta`` on a config that cannot take it
stops with a one-line error (exit code 2).
"""
import argparse
import os
import os.path as osp
import sys
import time
from typing import List, Optional

import mmcv
from mmengine.config import Config, DictAction

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('inputs', help='an image file or a folder of images')
    parser.add_argument(
        'config',
        help='a training config (with --tta: its tta_model) or a '
        '*_pyramid-test.py / *_autofocus-test.py config')
    parser.add_argument('checkpoint', help='the training checkpoint')
    parser.add_argument(
        '--tta',
        action='store_true',
        help="use the config's tta_model and tta_pipeline (SNIPER pyramid "
        'or AutoFocus), as tools/test.py --tta')
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


def list_images(inputs: str) -> List[str]:
    """The image files of ``inputs`` (a file, or a folder's images sorted
    by name).

    Raises:
        FileNotFoundError: A missing file, or a folder without images.
    """
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


def load_config(args: argparse.Namespace) -> Config:
    """The config to build: the file, ``--cfg-options``, the ``sniper``
    block resolved, then ``--tta``.

    Raises:
        FileNotFoundError: No such config file.
        ValueError: ``--tta`` impossible (no ``tta_model`` /
            ``tta_pipeline``, or a leaf config), or a bad ``sniper`` block.
        KeyError: An unknown key in the ``sniper`` block.
    """
    from mmsniper.apis import tta_config
    from mmsniper.engine import resolve_sniper_block
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    resolve_sniper_block(cfg)
    if args.tta:
        cfg = tta_config(cfg)
    return cfg


def pixels_text(result) -> str:
    """``'1.23 Mpix'`` processed, and ``' (40.0% of the full pyramid)'``
    when the result has ``full_pyramid_pixels``."""
    pix = result.get('pixels_processed', None)
    if pix is None:  # a plain detector: its input
        h, w = result.img_shape
        pix = h * w
    text = f'{pix / 1e6:.2f} Mpix'
    full = result.get('full_pyramid_pixels', None)
    if full:
        text += f' ({100. * pix / full:.1f}% of the full pyramid)'
    return text


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmdet.apis import init_detector

    from mmsniper.apis import inference_image, load_image
    from mmsniper.visualization import FocusVisualizer

    files = list_images(args.inputs)
    cfg = load_config(args)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint file not found: '
                                f'{args.checkpoint}')
    try:
        model = init_detector(cfg, args.checkpoint, device=args.device)
    except RuntimeError as e:  # e.g. AutoFocus without FocusPixel weights
        raise ValueError(f'{args.checkpoint}: {e}') from e
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
        n = int((result.pred_instances.scores >= args.score_thr).sum())
        chips = result.get('focus_chips', None)
        chip_txt = ('' if chips is None else ', chips per scale ' +
                    '/'.join(str(len(c)) for c in chips))
        print(f'{path}: {n} detections >= {args.score_thr}, {ms:.0f} ms, '
              f'{pixels_text(result)}{chip_txt} -> {out_file}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (FileNotFoundError, KeyError, ValueError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f'error: {msg}', file=sys.stderr)
        sys.exit(2)
