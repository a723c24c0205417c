# Copyright (c) mmsniper contributors. All rights reserved.
"""mmengine's Runner with the config's ``sniper`` block resolved:
:class:`SniperRunner`."""
import copy
from typing import Union

from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner
from mmengine.visualization import Visualizer
from mmdet.registry import RUNNERS

from ..sniper_block import resolve_sniper_block


@RUNNERS.register_module()
class SniperRunner(Runner):
    """mmengine's :class:`~mmengine.runner.Runner` that writes the config's
    ``sniper`` block (scales, valid ranges, chip size, test-time ranges and
    budgets) into the dataset and test-time model dicts before building
    anything (:func:`~mmsniper.engine.resolve_sniper_block`).

    Every mmsniper config sets ``runner_type = 'mmdet.SniperRunner'``
    (``configs/_base_/sniper_runtime.py``), so the runner that mmdet's own
    ``tools/train.py`` and ``tools/test.py`` build from the registry
    (``RUNNERS.build(cfg)``, also after ``--tta`` wrapped ``cfg.model``) is
    this one, and a child config or ``--cfg-options sniper.scales=...``
    changes training and testing alike. Code that calls
    ``Runner.from_cfg(cfg)`` itself bypasses ``runner_type``: use
    ``RUNNERS.build(cfg)`` or ``SniperRunner.from_cfg(cfg)``.
    """

    @classmethod
    def from_cfg(cls, cfg: Union[Config, ConfigDict, dict]) -> 'Runner':
        """Build a runner from a resolved copy of ``cfg``.

        Args:
            cfg (Config | dict): A full config.

        Returns:
            Runner: The runner; its ``cfg`` (dumped to the work dir) is the
            resolved config.
        """
        cfg = resolve_sniper_block(copy.deepcopy(cfg))
        return super().from_cfg(cfg)

    def build_visualizer(self, visualizer=None) -> Visualizer:
        """As mmengine's, and the result is made the *current* visualizer.

        mmengine returns an existing instance when one of the same name was
        built before in the process (every mmdet config names it
        ``'visualizer'``) without making it current again, so hooks that
        take ``Visualizer.get_current_instance()`` (mmdet's
        ``DetVisualizationHook``) could get another runner's visualizer, a
        different class, in the second run of a process.
        """
        vis = super().build_visualizer(visualizer)
        instances = Visualizer._instance_dict
        name = vis.instance_name
        if instances.get(name, None) is not vis:
            instances[name] = vis  # keeps the position of a replaced one
        instances.move_to_end(name)
        return vis
