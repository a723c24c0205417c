# Copyright (c) mmsniper contributors. All rights reserved.
"""What the dataset wrappers that cut images into training inputs share
(:class:`~mmsniper.datasets.SniperDataset`: chips,
:class:`~mmsniper.datasets.TileDataset`: uniform tiles)."""
import copy
from typing import Dict


class WrappedImagesMixin:
    """The wrapped dataset's metainfo, the ``stats`` of the input list and
    mmengine's lazy initialisation (``full_init`` now or on first use).

    Subclasses set ``self.dataset`` and call :meth:`_init_wrapper` at the
    end of their ``__init__``; they implement ``full_init``.
    """

    def _init_wrapper(self, lazy_init: bool) -> None:
        """Finish ``__init__``: metainfo of ``self.dataset``, empty
        ``stats``; ``full_init()`` unless ``lazy_init``."""
        self.stats: Dict[str, object] = {}
        self._metainfo = self.dataset.metainfo
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """Meta information of the wrapped dataset."""
        return copy.deepcopy(self._metainfo)
