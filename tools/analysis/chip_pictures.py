"""The pictures of ``chip_stats.py --show-dir``: the chips of the given
and the suggested configuration drawn side by side on a few images, and the
search for the folder that holds a json's images."""
import os.path as osp


def find_image_dir(ann_file, records, candidates=()):
    """The first folder holding the images of ``records`` (the first few
    file names are tried): ``candidates`` (``--img-dir``, the config's
    image folder), the json's folder, then ``<split>/`` next to it and
    ``<split>/`` or the parent of its parent folder (``split`` from the
    json name, ``instances_val2017.json`` -> ``val2017``).

    Returns:
        tuple[str | None, list[str]]: The folder (None if none holds them)
        and the folders tried.
    """
    ann_dir = osp.dirname(osp.abspath(ann_file))
    split = osp.basename(ann_file).rsplit('.', 1)[0].split('_')[-1]
    tried = []
    for d in list(candidates) + [
            ann_dir, osp.join(ann_dir, split),
            osp.join(osp.dirname(ann_dir), split), osp.dirname(ann_dir)]:
        if d and d not in tried:
            tried.append(d)
    names = [r['file_name'] for r in records[:8] if r['file_name']]
    for d in tried:
        if any(osp.isfile(osp.join(d, n)) for n in names):
            return d, tried
    return None, tried


def show(records, configs, args, out_dir, img_dirs=()):
    """Draw the chips of the first ``--show-num`` images, one panel per
    ``(title, params)`` of ``configs`` side by side, each with a legend."""
    import cv2

    from mmsniper.chips import generate_chips
    from mmsniper.chips.scales import describe_scales
    from mmsniper.utils.io import check_writable_dir
    from mmsniper.visualization.chip_drawing import draw_chips, side_by_side
    check_writable_dir(out_dir)
    img_dir, tried = find_image_dir(args.ann_file, records,
                                    [d for d in img_dirs if d])
    if img_dir is None:
        print('no pictures: the images of the json are in none of '
              f'{tried} (use --img-dir)')
        return
    for rec in records[:args.show_num]:
        path = osp.join(img_dir, rec['file_name'])
        out = osp.join(out_dir, osp.basename(rec['file_name']))
        img = cv2.imread(path)
        if img is None:
            print(f'cannot read {path}; skipped (use --img-dir)')
            continue
        if osp.abspath(out) == osp.abspath(path):
            raise ValueError(f'--show-dir {out_dir} would overwrite the '
                             'images; choose another folder')
        panels, chips = [], []
        for title, params in configs:
            res = generate_chips(rec['bboxes'], img.shape[:2],
                                 gt_ignore_flags=rec['ignore'],
                                 seed=args.seed, **params)
            panels.append(
                draw_chips(img, rec['bboxes'], res,
                           describe_scales(params['scales']),
                           params['valid_ranges'], title=title,
                           crowd=rec['ignore']))
            chips.append(f'{len(res)} chips ({title})')
        cv2.imwrite(out, side_by_side(panels))
        print(f'wrote {out}: ' + ', '.join(chips))
