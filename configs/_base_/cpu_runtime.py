# Runtime for CPU runs: the mmsniper runtime with gloo.
_base_ = './sniper_runtime.py'

custom_imports = dict(imports=['mmsniper'], allow_failed_imports=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
default_hooks = dict(logger=dict(interval=20))
log_processor = dict(window_size=20)
