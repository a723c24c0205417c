"""The report of ``benchmark_training.py``: the table rows, the ratios to
the ``sniper`` arm, the markdown table and the mAP-against-time plot of the
arms' result dicts."""
FP_SCORE = 0.3  # the false-positive score threshold (false_positives.py)


ROWS = (
    ('val bbox mAP', 'bbox_mAP', '{:.3f}'),
    ('val mAP_s', 'bbox_mAP_s', '{:.3f}'),
    ('val mAP_m', 'bbox_mAP_m', '{:.3f}'),
    ('val mAP_l', 'bbox_mAP_l', '{:.3f}'),
    ('val mAP@0.5', 'bbox_mAP_50', '{:.3f}'),
    (f'false positives / image (score >= {FP_SCORE})', 'fp_per_image',
     '{:.2f}'),
    ('training inputs / s', 'inputs_per_s', '{:.2f}'),
    ('source images / s (all scales)', 'source_images_per_s', '{:.3f}'),
    ('inputs per source image (all scales)', 'inputs_per_source_image',
     '{:.2f}'),
    ('network pixels per source image', 'net_pixels_per_source_image',
     '{:,.0f}'),
    ('padded pixels per input', 'net_pixels_per_input', '{:,.0f}'),
    ('peak memory (max RSS, MB)', 'peak_rss_mb', '{:,.0f}'),
    ('iterations', 'iterations', '{:,d}'),
    ('passes over the arm\'s data', 'epochs', '{:.2f}'),
)


def _value(res: dict, key: str):
    return res.get('eval', {}).get(key, res.get(key))


def add_ratios(results: dict) -> None:
    """``ratio_to_sniper`` of every number of :data:`ROWS` per arm."""
    ref = results.get('sniper')
    for res in results.values():
        if ref is None:
            break
        res['ratio_to_sniper'] = {
            key: round(_value(res, key) / _value(ref, key), 3)
            for _, key, _ in ROWS
            if isinstance(_value(res, key), (int, float))
            and isinstance(_value(ref, key), (int, float))
            and _value(ref, key)}


def table(results: dict) -> str:
    """Markdown table: one column per arm, ``(x.xx)`` the ratio to
    ``sniper``."""
    arms = list(results)
    out = ['| | ' + ' | '.join(arms) + ' |',
           '|---|' + '---:|' * len(arms)]
    for name, key, fmt in ROWS:
        cells = []
        for arm in arms:
            v = _value(results[arm], key)
            r = results[arm].get('ratio_to_sniper', {}).get(key)
            cell = fmt.format(v) if v is not None else '-'
            if r is not None and arm != 'sniper':
                cell += f' ({r:.2f}x)'
            cells.append(cell)
        out.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(out)


def plot(results: dict, path: str, clock: str) -> None:
    """bbox mAP of each arm's checkpoints against its training seconds."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    key = 'cpu_s' if clock == 'cpu' else 'wall_s'
    for arm, res in results.items():
        pts = [(c[key], c['eval']['bbox_mAP']) for c in res['checkpoints']
               if 'eval' in c]
        if pts:
            ax.plot(*zip(*pts), marker='o', label=arm)
    ax.set_xlabel(f'training time per arm ({clock} s)')
    ax.set_ylabel('val bbox mAP (SNIPER pyramid test)')
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
