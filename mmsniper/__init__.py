"""mmsniper: SNIPER training and AutoFocus inference for MMDetection 3.x.

Importing the package checks the mmcv / mmengine / mmdet versions and
registers every mmsniper module (transforms, datasets, models, hooks) into
mmdet's registries, so configs only need::

    custom_imports = dict(imports=['mmsniper'], allow_failed_imports=False)

The pure algorithms in :mod:`mmsniper.chips` do not need mmdet at all.
"""
from .version import __version__
from .utils.version_check import check_versions

check_versions()

from .utils import checkpoint  # noqa: E402,F401  (weights-only allowlist)
from . import apis, datasets, engine, evaluation, models  # noqa: E402,F401

__all__ = ['__version__']
from . import visualization  # noqa: E402,F401
