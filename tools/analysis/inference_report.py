"""The report of tools/analysis/benchmark_inference.py: COCO bbox mAP of a
method's detections, the markdown table, the speed/accuracy plot and the
choice of an AutoFocus operating point (on a val split)."""
import os
import os.path as osp
from typing import Dict, List, Optional


def coco_eval(ann_file: str, img_ids: List[int], dets: List[dict],
              cat_ids: List[int]) -> Dict[str, float]:
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ann_file)
        res = [
            dict(image_id=d['image_id'], category_id=cat_ids[d['label']],
                 bbox=d['bbox'], score=d['score']) for d in dets
        ]
        if not res:
            return dict(mAP=0., AP50=0., mAP_s=0., mAP_m=0., mAP_l=0.)
        dt = gt.loadRes(res)
        ev = COCOeval(gt, dt, 'bbox')
        ev.params.imgIds = img_ids
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    s = ev.stats
    return dict(mAP=100 * s[0], AP50=100 * s[1], mAP_s=100 * s[3],
                mAP_m=100 * s[4], mAP_l=100 * s[5])


def _short(r: dict) -> str:
    """A short label: the AutoFocus operating point (threshold, minimum chip
    cells and dilation of each transition, ``AF t=0.2/0.2 k=3/6 d=3/3``),
    or the method's group."""
    if r['group'] == 'autofocus':
        inner = r['name'][r['name'].find('(') + 1:r['name'].rfind(')')]
        trans = [dict(kv.split('=', 1) for kv in part.split())
                 for part in inner.split(';')[-1].split(',')]
        keys = [k for k in ('t', 'k', 'd') if all(k in t for t in trans)]
        return 'AF ' + ' '.join(
            f"{k}={'/'.join(t[k] for t in trans)}" for k in keys)
    if r['group'] == 'oracle':
        inner = r['name'][r['name'].find('(') + 1:r['name'].rfind(')')]
        return 'oracle ' + inner.split('; ')[-1]
    return dict(single='single scale', pyramid='full pyramid',
                sahi='SAHI 512 px slices').get(r['group'], r['name'])


def label_offsets(xy: List[tuple], labels: List[str],
                  fontsize: float = 8.) -> List[tuple]:
    """Offsets (in points) of the labels of points at ``xy`` (display
    points) so that no two label boxes overlap: each label starts right of
    its point and moves down, then up, by its height until it is free.

    The box of a label is estimated as ``0.6 * fontsize`` points per
    character by ``1.25 * fontsize``.
    """
    h = 1.25 * fontsize
    placed: List[tuple] = []
    out: List[tuple] = [(5., -3.)] * len(xy)

    def free(box):
        return all(box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1]
                   or box[1] >= b[3] for b in placed)

    order = sorted(range(len(xy)), key=lambda i: (-xy[i][1], xy[i][0]))
    for i in order:
        x, y = xy[i]
        w = 0.6 * fontsize * len(labels[i])
        for step in [0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5]:
            dy = -3. + step * h
            box = (x + 5., y + dy, x + 5. + w, y + dy + h)
            if free(box):
                break
        placed.append(box)
        out[i] = (5., dy)
    return out


def plot(results: List[dict], path: str, title: str) -> None:
    """mAP against ms per image and against pixels per image (PNG), with
    error bars of one jackknife standard error of the drop where results
    have ``drop_se``; labels are moved apart where points are close."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    colors = dict(single='tab:gray', pyramid='tab:blue',
                  autofocus='tab:red', oracle='tab:purple', sahi='tab:green')
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    for ax, key, xlabel in ((axes[0], 'ms_per_img', 'ms per image'),
                            (axes[1], 'mpix_per_img',
                             'megapixels processed per image')):
        af = sorted([r for r in results if r['group'] == 'autofocus'],
                    key=lambda r: r[key])
        if len(af) > 1:
            ax.plot([r[key] for r in af], [r['mAP'] for r in af], '-',
                    color=colors['autofocus'], alpha=0.4)
        seen = set()
        for r in results:
            label = None if r['group'] in seen else r['group']
            seen.add(r['group'])
            color = colors.get(r['group'], 'k')
            ax.scatter(r[key], r['mAP'], color=color, s=45, zorder=3,
                       label=label)
            if 'drop_se' in r:
                ax.errorbar(r[key], r['mAP'], yerr=r['drop_se'], color=color,
                            alpha=0.5, capsize=3, zorder=2)
        ax.set_xlim(0, max(r[key] for r in results) * 1.3)
        ax.autoscale_view(scalex=False)
        to_pt = 72. / fig.dpi
        xy = [tuple(v * to_pt for v in ax.transData.transform(
            (r[key], r['mAP']))) for r in results]
        texts = [_short(r) for r in results]
        for r, text, off in zip(results, texts, label_offsets(xy, texts)):
            ax.annotate(text, (r[key], r['mAP']), fontsize=8, xytext=off,
                        textcoords='offset points')
        ax.set_xlabel(xlabel)
        ax.set_ylabel('bbox mAP')
        ax.grid(True, alpha=0.3)
    axes[0].legend(loc='lower right', fontsize=8)
    bars = ('; bars: 1 jackknife SE of the drop against the pyramid'
            if any('drop_se' in r for r in results) else '')
    fig.suptitle(title + ' (AF: AutoFocus, thresholds coarse->mid, '
                 f'mid->fine; up and left is better{bars})', fontsize=9)
    fig.tight_layout()
    from mmsniper.utils import atomic_write
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with atomic_write(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=110)
    plt.close(fig)


def results_table(results: List[dict]) -> str:
    """The markdown table of ``results``, with speed-up and pixel ratios
    against the full pyramid when it is among them."""
    pyr = next((r for r in results if r['group'] == 'pyramid'), None)
    header = ('| method | mAP | AP50 | mAP_s | mAP_m | mAP_l | ms/img | '
              'Mpix/img |' + (' speed-up vs pyramid | pixels vs pyramid |'
                              if pyr else ''))
    lines = [header, '|' + '---|' * (header.count('|') - 1)]
    for r in results:
        line = (f"| {r['name']} | {r['mAP']:.1f} | {r['AP50']:.1f} | "
                f"{r['mAP_s']:.1f} | {r['mAP_m']:.1f} | {r['mAP_l']:.1f} | "
                f"{r['ms_per_img']:.0f} | {r['mpix_per_img']:.2f} |")
        if pyr:
            line += (f" {pyr['ms_per_img'] / r['ms_per_img']:.2f}x | "
                     f"{pyr['mpix_per_img'] / r['mpix_per_img']:.2f}x "
                     'fewer |')
        lines.append(line)
    return '\n'.join(lines)


def choose_point(results: List[dict], max_drop: float,
                 z: float = 0.) -> Optional[dict]:
    """The AutoFocus result with the fewest pixels per image among those at
    most ``max_drop`` mAP below the full pyramid (ties: the higher mAP).

    With ``z > 0`` a point qualifies only when ``drop + z * drop_se <=
    max_drop``, ``drop_se`` being the jackknife standard error of its drop
    (``inference_uncertainty``): a margin for the shift from the split the
    choice is made on to the one it is tested on.

    Pixels, not milliseconds, decide: they do not change with the load of
    the machine the choice is made on.

    Args:
        results (list[dict]): Results of one run, with a ``pyramid`` one.
        max_drop (float): mAP points below the pyramid allowed.
        z (float): Standard errors of margin. Default: 0 (none).

    Returns:
        dict | None: The chosen result (its ``point`` is the
        ``--af-points`` value to test with), None when no AutoFocus point is
        within ``max_drop``.

    Raises:
        ValueError: Without a pyramid result, or with ``z > 0`` and a point
            without ``drop_se``.
    """
    pyr = next((r for r in results if r['group'] == 'pyramid'), None)
    if pyr is None:
        raise ValueError('choosing an AutoFocus point needs the pyramid: '
                         'add pyramid to --methods')
    points = [r for r in results if r['group'] == 'autofocus']
    if z > 0 and any('drop_se' not in r for r in points):
        raise ValueError('choosing with a margin (z > 0) needs the drop_se '
                         'of every AutoFocus point')
    ok = [r for r in points if pyr['mAP'] - r['mAP'] +
          (z * r['drop_se'] if z > 0 else 0.) <= max_drop]
    if not ok:
        return None
    return min(ok, key=lambda r: (r['mpix_per_img'], -r['mAP']))


def chosen_lines(results: List[dict], drops: List[float],
                 z: float = 0.) -> List[str]:
    """One line per ``drops`` entry: the point :func:`choose_point` picks
    (with a margin of ``z`` standard errors), with its mAP drop, pixel and
    speed ratios against the pyramid."""
    lines = []
    margin = f' with {z:g} SE of margin' if z > 0 else ''
    for drop in drops:
        r = choose_point(results, drop, z)  # raises without the pyramid
        pyr = next(p for p in results if p['group'] == 'pyramid')
        if r is None:
            lines.append(f'within {drop:g} mAP of the pyramid{margin}: no '
                         'AutoFocus point')
            continue
        lines.append(
            f"within {drop:g} mAP of the pyramid{margin}: --af-points "
            f"{r.get('point', '?')} ({r['name']}): "
            f"{r['mAP'] - pyr['mAP']:+.1f} mAP"
            + (f" (SE {r['drop_se']:.2f})" if 'drop_se' in r else '') + ', '
            f"{pyr['mpix_per_img'] / r['mpix_per_img']:.2f}x fewer pixels, "
            f"{pyr['ms_per_img'] / r['ms_per_img']:.2f}x faster")
    return lines
