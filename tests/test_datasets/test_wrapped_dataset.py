"""WrappedImagesMixin: metainfo copied from the wrapped dataset, lazy
initialisation as mmengine's datasets."""
from mmsniper.datasets.wrapped_dataset import WrappedImagesMixin


class _Inner:
    metainfo = dict(classes=('a', 'b'))


class _Wrapper(WrappedImagesMixin):

    def __init__(self, lazy_init):
        self.dataset = _Inner()
        self.calls = 0
        self._init_wrapper(lazy_init)

    def full_init(self):
        self.calls += 1
        self._fully_initialized = True


def test_lazy_and_eager_init():
    assert _Wrapper(lazy_init=True).calls == 0
    w = _Wrapper(lazy_init=False)
    assert w.calls == 1 and w._fully_initialized and w.stats == {}


def test_metainfo_is_a_copy():
    w = _Wrapper(lazy_init=True)
    w.metainfo['classes'] = ('x', )
    assert w.metainfo == dict(classes=('a', 'b'))
