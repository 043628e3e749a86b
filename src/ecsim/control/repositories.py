"""Loading and saving the network families' models, with the NotFound errors ECS gives.

Shared by the use cases that need another family's resources (a rule's peer group, a
group's member interfaces, a VPC's groups) so each lookup is written once.
"""

from __future__ import annotations

from collections.abc import Iterable

from ecsim.errors import EcsError
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import SecurityGroup
from ecsim.store.base import Store
from ecsim.store.codecs import network_interfaces as eni_codec
from ecsim.store.codecs import security_groups as sg_codec

__all__ = ["NetworkInterfaceRepository", "SecurityGroupRepository", "security_group_not_found"]


def security_group_not_found() -> EcsError:
    return EcsError(
        "The specified security group does not exist.",
        code="InvalidSecurityGroupId.NotFound",
        http_status=404,
    )


class SecurityGroupRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    def find(self, group_id: str) -> SecurityGroup | None:
        """A group of any account (cross-account references need this)."""
        record = self._store.get_resource(sg_codec.KIND, group_id)
        return self._store.decoded(record, sg_codec.decode_security_group) if record else None

    def get(self, account_id: str, group_id: str, region_id: str | None = None) -> SecurityGroup:
        """The caller's group, in ``region_id`` when given; otherwise NotFound."""
        group = self.find(group_id)
        if (
            group is None
            or group.account_id != account_id
            or (region_id is not None and group.region_id != region_id)
        ):
            raise security_group_not_found()
        return group

    def owned_by(self, account_id: str, region_id: str | None = None) -> list[SecurityGroup]:
        return self._store.list_decoded(
            sg_codec.KIND, account_id, region_id, sg_codec.decode_security_group
        )

    def save(self, group: SecurityGroup) -> None:
        self._store.put_resource(sg_codec.encode_security_group(group), decoded=group)

    def delete(self, group_id: str) -> None:
        self._store.delete_resource(sg_codec.KIND, group_id)


class NetworkInterfaceRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    def find(self, eni_id: str) -> NetworkInterface | None:
        record = self._store.get_resource(eni_codec.KIND, eni_id)
        return self._store.decoded(record, eni_codec.decode_network_interface) if record else None

    def owned_by(self, account_id: str, region_id: str | None = None) -> list[NetworkInterface]:
        return self._store.list_decoded(
            eni_codec.KIND, account_id, region_id, eni_codec.decode_network_interface
        )

    def attached_to(self, account_id: str, instance_ids: Iterable[str]) -> list[NetworkInterface]:
        """The interfaces of some instances, found through the store's index."""
        return [
            self._store.decoded(record, eni_codec.decode_network_interface)
            for record in self._store.find_network_interfaces(account_id, instance_ids)
        ]

    def members_of(self, group: SecurityGroup) -> list[NetworkInterface]:
        """Interfaces in ``group`` (its account and region: membership never crosses them)."""
        return [
            eni
            for eni in self.owned_by(group.account_id, group.region_id)
            if group.group_id in eni.security_group_ids
        ]

    def save(self, eni: NetworkInterface) -> None:
        self._store.put_resource(eni_codec.encode_network_interface(eni), decoded=eni)

    def delete(self, eni_id: str) -> None:
        self._store.delete_resource(eni_codec.KIND, eni_id)
