from .resumable_batch_sampler import ResumableBatchSampler

__all__ = ['ResumableBatchSampler']
