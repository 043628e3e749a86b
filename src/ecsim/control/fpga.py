"""FPGA as a Service: FPGA images built from designs in OSS, and the boards of f1/f3 instances."""

from __future__ import annotations

from ecsim.clock import Clock
from ecsim.control.object_storage import ObjectStorage
from ecsim.control.ram import Ram
from ecsim.ids import IdFactory
from ecsim.settings import Limits
from ecsim.store.base import Store

__all__ = ["Fpga"]


class Fpga:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        objects: ObjectStorage,
        ram: Ram,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._objects = objects
        self._ram = ram
