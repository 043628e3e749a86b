"""Loading and saving VPCs and vSwitches, with the NotFound errors ECS gives.

Shared by the network use cases and by the families that place resources in a VPC or a
vSwitch (security groups, instances), so each lookup is written once.
"""

from __future__ import annotations

from ecsim.errors import EcsError
from ecsim.model.network import Vpc, VSwitch
from ecsim.store.base import Store
from ecsim.store.codecs import networks as codec

__all__ = ["VSwitchRepository", "VpcRepository", "vpc_not_found", "vswitch_not_found"]


def vpc_not_found() -> EcsError:
    return EcsError("Specified VPC does not exist.", code="InvalidVpcId.NotFound", http_status=404)


def vswitch_not_found() -> EcsError:
    return EcsError("VSwitch not exist.", code="InvalidVSwitchId.NotFound", http_status=404)


class VpcRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    def find(self, vpc_id: str) -> Vpc | None:
        record = self._store.get_resource(codec.KIND_VPC, vpc_id)
        return self._store.decoded(record, codec.decode_vpc) if record else None

    def get(self, account_id: str, vpc_id: str, region_id: str | None = None) -> Vpc:
        """The caller's VPC, in ``region_id`` when given; otherwise NotFound."""
        vpc = self.find(vpc_id)
        if (
            vpc is None
            or vpc.account_id != account_id
            or (region_id is not None and vpc.region_id != region_id)
        ):
            raise vpc_not_found()
        return vpc

    def owned_by(self, account_id: str, region_id: str | None = None) -> list[Vpc]:
        return [
            self._store.decoded(record, codec.decode_vpc)
            for record in self._store.list_resources(codec.KIND_VPC, account_id, region_id)
        ]

    def save(self, vpc: Vpc) -> None:
        self._store.put_resource(codec.encode_vpc(vpc), decoded=vpc)

    def delete(self, vpc_id: str) -> None:
        self._store.delete_resource(codec.KIND_VPC, vpc_id)


class VSwitchRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    def find(self, vswitch_id: str) -> VSwitch | None:
        record = self._store.get_resource(codec.KIND_VSWITCH, vswitch_id)
        return self._store.decoded(record, codec.decode_vswitch) if record else None

    def get(self, account_id: str, vswitch_id: str, region_id: str | None = None) -> VSwitch:
        """The caller's vSwitch, in ``region_id`` when given; otherwise NotFound."""
        vswitch = self.find(vswitch_id)
        if (
            vswitch is None
            or vswitch.account_id != account_id
            or (region_id is not None and vswitch.region_id != region_id)
        ):
            raise vswitch_not_found()
        return vswitch

    def owned_by(self, account_id: str, region_id: str | None = None) -> list[VSwitch]:
        return [
            self._store.decoded(record, codec.decode_vswitch)
            for record in self._store.list_resources(codec.KIND_VSWITCH, account_id, region_id)
        ]

    def in_vpc(self, vpc: Vpc) -> list[VSwitch]:
        return [s for s in self.owned_by(vpc.account_id, vpc.region_id) if s.vpc_id == vpc.vpc_id]

    def save(self, vswitch: VSwitch) -> None:
        self._store.put_resource(codec.encode_vswitch(vswitch), decoded=vswitch)

    def delete(self, vswitch_id: str) -> None:
        self._store.delete_resource(codec.KIND_VSWITCH, vswitch_id)
