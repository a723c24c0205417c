# Runtime of every mmsniper config: mmdet's defaults, the package loaded, and
# checkpoints that a kill cannot truncate (AtomicCheckpointHook: temporary
# file + rename, last_checkpoint replaced atomically, old checkpoints removed
# only after the new one is complete).
_base_ = 'mmdet::_base_/default_runtime.py'

custom_imports = dict(imports=['mmsniper'], allow_failed_imports=False)
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
