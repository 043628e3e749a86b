"""Loading and saving VPCs and vSwitches, with the NotFound errors ECS gives.

Shared by the network use cases and by the families that place resources in a VPC or a
vSwitch (security groups, instances), so each lookup is written once.
"""

from __future__ import annotations

from ecsim.control.error_builders import fixed
from ecsim.control.resource_repository import ResourceRepository
from ecsim.model.network import Vpc, VSwitch
from ecsim.store.base import Store
from ecsim.store.codecs import networks as codec

__all__ = ["VSwitchRepository", "VpcRepository", "vpc_not_found", "vswitch_not_found"]

vpc_not_found = fixed(
    "Specified VPC does not exist.", code="InvalidVpcId.NotFound", http_status=404
)
vswitch_not_found = fixed("VSwitch not exist.", code="InvalidVSwitchId.NotFound", http_status=404)


class VpcRepository(ResourceRepository[Vpc]):
    def __init__(self, store: Store) -> None:
        super().__init__(store, codec.KIND_VPC, codec.encode_vpc, codec.decode_vpc, vpc_not_found)


class VSwitchRepository(ResourceRepository[VSwitch]):
    def __init__(self, store: Store) -> None:
        super().__init__(
            store, codec.KIND_VSWITCH, codec.encode_vswitch, codec.decode_vswitch, vswitch_not_found
        )

    def in_vpc(self, vpc: Vpc) -> list[VSwitch]:
        return [s for s in self.owned_by(vpc.account_id, vpc.region_id) if s.vpc_id == vpc.vpc_id]
