"""The report of ``benchmark_huge_images.py``: the peak-memory plot and
the markdown table with each mode's growth over the sizes."""
import os
from typing import List, Tuple


def _key(r: dict) -> Tuple[str, str]:
    return r['mode'], r.get('input', 'decoded JPEG')


def plot(records: List[dict], path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for mode, inp in sorted({_key(r) for r in records}):
        rs = sorted((r for r in records if _key(r) == (mode, inp)),
                    key=lambda r: r['mpix'])
        ax.plot([r['mpix'] for r in rs], [r['peak_rss_mb'] / 1024 for r in rs],
                'o-' if inp == 'decoded JPEG' else 's--',
                label=f'{mode}, {inp}: peak RSS')
        ax.plot([r['mpix'] for r in rs],
                [r['baseline_rss_mb'] / 1024 for r in rs], ':', color='grey')
    ax.plot([], [], ':', color='grey', label='baseline (model loaded)')
    ax.axhline(2.5, color='red', lw=0.8, ls='--', label='target 2.5 GB')
    ax.set_xlabel('image size (Mpix)')
    ax.set_ylabel('GB')
    ax.set_title('Peak memory on huge images (CPU)')
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path + '.tmp.png', dpi=110)
    os.replace(path + '.tmp.png', path)


def print_table(records: List[dict]) -> None:
    """The rows as a markdown table, then each mode's peak growth."""
    print('| mode | input | Mpix | s | baseline RSS GB | peak RSS GB | '
          'peak - baseline GB | detections | pixels % of pyramid |')
    print('|---|---|---|---|---|---|---|---|---|')
    for r in sorted(records, key=lambda r: _key(r) + (r['mpix'], )):
        pct = (100. * r['pixels_processed'] / r['full_pyramid_pixels']
               if r['full_pyramid_pixels'] else float('nan'))
        print(f"| {r['mode']} | {_key(r)[1]} | {r['mpix']:.1f} | "
              f"{r['seconds']:.1f} | "
              f"{r['baseline_rss_mb'] / 1024:.2f} | "
              f"{r['peak_rss_mb'] / 1024:.2f} | "
              f"{(r['peak_rss_mb'] - r['baseline_rss_mb']) / 1024:.2f} | "
              f"{r['detections']} | {pct:.0f} |")
    for key in sorted({_key(r) for r in records}):
        rs = sorted((r for r in records if _key(r) == key),
                    key=lambda r: r['mpix'])
        if len(rs) > 1:
            grow = rs[-1]['peak_rss_mb'] / rs[0]['peak_rss_mb'] - 1
            print(f"{key[0]}, {key[1]}: peak grows {grow:+.0%} from "
                  f"{rs[0]['mpix']:.0f} to {rs[-1]['mpix']:.0f} Mpix")
