"""How long asynchronous transitions take: as fast as the work allows by default, or about as
long as in the cloud with ``serve --realistic-delays`` (PRODUCT.md contract 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["Delays"]

_MIB = 2**20


@dataclass(frozen=True)
class Delays:
    # VPC and vSwitch: Pending -> Available
    network_ready: timedelta = timedelta(0)
    # EIP: Associating -> InUse, Unassociating -> Available
    eip_transition: timedelta = timedelta(0)
    # instances: each step of Pending -> Starting -> Running, Running -> Stopping -> Stopped
    instance_step: timedelta = timedelta(0)
    # CopyImage: the copy shares the source's chunks, so no byte moves; it stays Creating
    # (cancellable) as long as moving the image's data at this rate would take, bytes/s
    image_copy_rate: int = 256 * _MIB
    # ImportImage converts before it answers; with a rate, the image then stays Creating as
    # long as uploading the disk at that rate would take (None: Available at once)
    image_import_rate: int | None = None

    @classmethod
    def realistic(cls) -> Delays:
        # What a Packer run waits for in the cloud: a few seconds per network, one or two
        # for an EIP (its poll loops check every 5 s).
        return cls(
            network_ready=timedelta(seconds=3),
            eip_transition=timedelta(seconds=2),
            instance_step=timedelta(seconds=5),
            # what a cross-region copy and an OSS import move per second, give or take
            image_copy_rate=32 * _MIB,
            image_import_rate=64 * _MIB,
        )

    def image_copy(self, data_bytes: int) -> timedelta:
        return timedelta(seconds=data_bytes / self.image_copy_rate)

    def image_import(self, data_bytes: int) -> timedelta:
        if self.image_import_rate is None:
            return timedelta(0)
        return timedelta(seconds=data_bytes / self.image_import_rate)
