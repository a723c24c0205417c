# Copyright (c) mmsniper contributors. All rights reserved.
"""Pre-flight check of one image file (:func:`check_image_file`): header, last
KiB and optionally a full decode, against the declared size."""
import os.path as osp
from typing import List, Optional, Tuple

from PIL import Image


def check_image_file(path: str, wh: Optional[Tuple[int, int]],
                     decode: bool) -> List[Tuple[str, str]]:
    """Problems ``(reason, text)`` of one image file (declared ``wh``)."""
    pre = f"field 'file_name': {path}"
    if osp.isdir(path):
        return [('unreadable_image', f'{pre} is a directory')]
    if not osp.exists(path):
        return [('missing_image', f'{pre} not found')]
    try:
        with Image.open(path) as img:  # reads the header only
            (w, h), fmt = img.size, img.format
            if fmt == 'JPEG' and img.getexif().get(0x0112, 1) in (5, 6, 7, 8):
                w, h = h, w  # OpenCV applies the EXIF rotation
        with open(path, 'rb') as f:
            f.seek(max(osp.getsize(path) - 1024, 0))
            tail = f.read()
            if decode:  # as LoadImageFromFile does; None has no shape
                import mmcv
                f.seek(0)
                h, w = mmcv.imfrombytes(f.read()).shape[:2]
    except Exception as e:  # noqa: BLE001 (any decoder error)
        return [('unreadable_image', f'{pre} cannot be read ({e!r})')]
    end = dict(JPEG=(b'\0\xff\r\n ', b'\xff\xd9', 'end-of-image marker FFD9'),
               PNG=(b'\0\r\n ', b'IEND\xaeB`\x82', 'IEND chunk')).get(fmt)
    out = [('truncated_image', f'{pre} is truncated (no {fmt} {end[2]})')
           ] if end and not tail.rstrip(end[0]).endswith(end[1]) else []
    if wh is not None and (w, h) != tuple(wh):
        out.append(('size_mismatch', ' and '.join(
            f"field '{k}' declares {a}" for k, a, b in (
                ('width', wh[0], w), ('height', wh[1], h)) if a != b) +
            f' but the file is {w}x{h}'))
    return out
