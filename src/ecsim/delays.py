"""How long asynchronous transitions take: as fast as the work allows by default, or about as
long as in the cloud with ``serve --realistic-delays`` (PRODUCT.md contract 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["Delays"]


@dataclass(frozen=True)
class Delays:
    # VPC and vSwitch: Pending -> Available
    network_ready: timedelta = timedelta(0)
    # EIP: Associating -> InUse, Unassociating -> Available
    eip_transition: timedelta = timedelta(0)
    # instances: each step of Pending -> Starting -> Running, Running -> Stopping -> Stopped
    instance_step: timedelta = timedelta(0)

    @classmethod
    def realistic(cls) -> Delays:
        # What a Packer run waits for in the cloud: a few seconds per network, one or two
        # for an EIP (its poll loops check every 5 s).
        return cls(
            network_ready=timedelta(seconds=3),
            eip_transition=timedelta(seconds=2),
            instance_step=timedelta(seconds=5),
        )
