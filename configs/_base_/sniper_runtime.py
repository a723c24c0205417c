# Runtime of every mmsniper config: mmdet's defaults and
# checkpoints that a kill cannot truncate (AtomicCheckpointHook: temporary
# file + rename, last_checkpoint replaced atomically, old checkpoints removed
# only after the new one is complete).
_base_ = 'mmdet::_base_/default_runtime.py'

default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
# (custom_imports of mmsniper comes with the dataset or CPU-runtime base:
# mmengine refuses a key defined by two bases of one config)
