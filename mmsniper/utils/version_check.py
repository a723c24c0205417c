"""Version guards for the OpenMMLab stack mmsniper is tested against."""
from typing import Tuple

# (package, minimum inclusive, maximum exclusive, pip spec to install)
REQUIRED = (
    ('mmcv', '2.0.0rc4', '2.2.0', 'mmcv==2.1.0'),
    ('mmengine', '0.7.1', '1.0.0', 'mmengine==0.10.7'),
    ('mmdet', '3.0.0', '4.0.0', 'mmdet==3.3.0'),
)


def _digits(version: str) -> Tuple:
    from mmengine.utils import digit_version
    return digit_version(version)


def check_versions() -> None:
    """Raise an ImportError naming what to install when a dependency is
    missing or outside the supported range.

    mmdet 3.3.0 refuses mmcv >= 2.2.0, and mmcv 2.1.0 has no wheel for recent
    torch, so it must be compiled: ``pip install --no-build-isolation
    mmcv==2.1.0`` (about 17 minutes on 2 CPU cores).
    """
    import importlib
    for name, low, high, spec in REQUIRED:
        cmd = f'pip install {spec}' + (' --no-build-isolation'
                                       if name == 'mmcv' else '')
        try:
            mod = importlib.import_module(name)
        except ImportError as e:
            raise ImportError(
                f'mmsniper needs {name} ({low} <= version < {high}); '
                f'install it with `{cmd}` (import failed: {e})') from e
        version = getattr(mod, '__version__', '0')
        if not (_digits(low) <= _digits(version) < _digits(high)):
            raise ImportError(
                f'{name}=={version} is installed, but mmsniper needs '
                f'{low} <= {name} < {high}; install it with `{cmd}`')
