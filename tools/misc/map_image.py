# Copyright (c) mmsniper contributors. All rights reserved.
"""Save huge images as ``.npy`` files that the test pipeline memory-maps.

    python tools/misc/map_image.py scene.tif [more.jpg ...] [--out-dir DIR]

Each image is decoded once (mmcv, BGR as ``LoadImageFromFile`` loads it)
and saved as ``<name>.npy`` next to it or in ``--out-dir`` (written to a
temporary name and renamed). With ``LoadMappedImage`` first in the
``tta_pipeline`` (``docs/autofocus.md``, "Huge images"), ``tools/test.py``
and ``inference_detector`` map such a file instead of decoding it, so the
process never holds the whole image: see ``mmsniper.fileio.mapped_image``.
The decode here needs the image's size in memory once (3 bytes per pixel).
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('images', nargs='+', help='image files')
    parser.add_argument('--out-dir', default=None,
                        help='folder of the .npy files (default: beside '
                        'each image)')
    parser.add_argument('--grayscale', action='store_true',
                        help="save one channel (for color_type='grayscale')")
    parser.add_argument('--force', action='store_true',
                        help='overwrite existing .npy files')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmengine.utils import ProgressBar

    from mmsniper.fileio import convert_to_mapped
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
    bar = ProgressBar(len(args.images))
    done = []
    for path in args.images:
        stem = osp.splitext(osp.basename(path))[0] + '.npy'
        out = osp.join(args.out_dir or osp.dirname(osp.abspath(path)), stem)
        if osp.isfile(out) and not args.force:
            raise FileExistsError(f'{out} exists (use --force)')
        done.append(convert_to_mapped(
            path, out, 'grayscale' if args.grayscale else 'color'))
        bar.update()
    print()
    for out in done:
        print(f'wrote {out}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (FileNotFoundError, FileExistsError, ValueError) as e:
        print(f'map_image.py: error: {e}', file=sys.stderr)
        sys.exit(2)
