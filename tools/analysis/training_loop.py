"""The training loop of each arm of ``benchmark_training.py``: the
budget's clock and the loop that trains one arm from its dataloader until
the budget is spent, checkpointing along the way."""
import math
import os.path as osp
import resource
import time

import numpy as np
from training_arms import arm_dataloader, inputs_and_pixels


class Clock:
    """The budget's clock and the training progress in ``[0, 1]``."""

    def __init__(self, args, iters_per_epoch: int) -> None:
        self.args = args
        self.total_iters = None
        if args.epochs is not None:
            self.total_iters = max(int(round(args.epochs * iters_per_epoch)),
                                   1)
        if args.max_iters:
            self.total_iters = min(self.total_iters or args.max_iters,
                                   args.max_iters)
        self.t0, self.c0 = time.perf_counter(), time.process_time()

    def seconds(self) -> dict:
        return dict(wall_s=round(time.perf_counter() - self.t0, 1),
                    cpu_s=round(time.process_time() - self.c0, 1))

    def progress(self, it: int) -> float:
        p = 0.0
        if self.total_iters is not None:
            p = it / self.total_iters
        if self.args.epochs is None:
            used = (time.process_time() - self.c0
                    if self.args.budget_mode == 'cpu' else
                    time.perf_counter() - self.t0)
            p = max(p, used / self.args.budget)
        return min(p, 1.0)


def train_arm(args, cfg, model, ckpt_dir: str) -> dict:
    """Train ``model`` on ``args.arm``'s data until the budget is spent;
    checkpoints at the eval points. Returns the training numbers."""
    import torch
    from mmengine.optim import build_optim_wrapper
    from mmengine.runner import Runner
    from mmsniper.datasets import SniperDataset
    from mmsniper.utils.dataset_walk import find_dataset
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    base_lrs = [g['lr'] for g in optim.optimizer.param_groups]
    loader = Runner.build_dataloader(arm_dataloader(cfg, args),
                                     seed=args.seed)
    sniper_ds = find_dataset(loader.dataset, SniperDataset)
    rss_ready = _maxrss_mb()
    clock = Clock(args, len(loader))
    it = inputs = epoch = 0
    net_pixels, losses, ckpts = 0.0, [], []
    data_iter = iter(loader)
    model.train()
    while True:
        progress = clock.progress(it)
        while len(ckpts) < args.eval_points and progress >= (
                len(ckpts) + 1) / args.eval_points - 1e-9:
            path = osp.join(ckpt_dir, f'{args.arm}_{len(ckpts) + 1}.pth')
            torch.save(dict(state_dict=model.state_dict()), path)
            ckpts.append(dict(path=path, iterations=it, **clock.seconds()))
        if progress >= 1.0:
            break
        try:
            data = next(data_iter)
        except StopIteration:
            epoch += 1
            if sniper_ds is not None:
                sniper_ds.set_epoch(epoch)  # what ChipRebuildHook does
            if hasattr(loader.sampler, 'set_epoch'):
                loader.sampler.set_epoch(epoch)
            data_iter = iter(loader)
            continue
        warm = min(1.0, (it + 1) / max(args.warmup_iters, 1))
        cos = 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress))
        for g, lr in zip(optim.optimizer.param_groups, base_lrs):
            g['lr'] = lr * warm * cos
        hs = [x.shape[1] for x in data['inputs']]
        ws = [x.shape[2] for x in data['inputs']]
        net_pixels += len(hs) * (-(-max(hs) // 32) * 32) * (
            -(-max(ws) // 32) * 32)
        log = model.train_step(data, optim)
        losses.append(sum(float(torch.as_tensor(v).detach())
                          for k, v in log.items() if 'loss' in k))
        inputs += len(hs)
        it += 1
    secs = clock.seconds()
    clock_s = secs['cpu_s' if args.budget_mode == 'cpu' else 'wall_s']
    per_img, img_pixels = inputs_and_pixels(loader.dataset,
                                            cfg.train_dataloader.dataset
                                            .chip_cfg.scales)
    return dict(
        arm=args.arm, clock=args.budget_mode, **secs,
        iterations=it, inputs=inputs,
        epochs=round(inputs / max(len(loader.dataset), 1), 3),
        inputs_per_s=round(inputs / max(clock_s, 1e-9), 3),
        inputs_per_source_image=round(per_img, 2),
        source_images_per_s=round(inputs / max(clock_s, 1e-9) / per_img, 4),
        net_pixels_per_source_image=round(img_pixels),
        net_pixels_per_input=round(net_pixels / max(inputs, 1)),
        peak_rss_mb=round(_maxrss_mb()),
        rss_before_training_mb=round(rss_ready),
        final_loss=round(float(np.mean(losses[-20:])), 4) if losses else None,
        checkpoints=ckpts)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
