"""Where a launch puts its instances: the zone, the network, the security groups.

The groups decide the network (reference §3.2): VPC groups need a vSwitch of their VPC;
classic groups (created without a VpcId) put the instance on its region's classic network,
shared by every account, in a zone that still sells classic instances. The two never mix,
nor do basic and enterprise groups, nor groups of two VPCs: ``SecurityGroupMembership``
checks the set with this action's codes (``LAUNCH_CODES``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.error_builders import fixed
from ecsim.control.network_repositories import VSwitchRepository
from ecsim.control.security_group_membership import LAUNCH_CODES, SecurityGroupMembership
from ecsim.errors import MissingParameter
from ecsim.model.catalog import NetworkType, Zone
from ecsim.model.instance_spec import LaunchSpec
from ecsim.model.network import NetworkStatus, VSwitch
from ecsim.model.security_group import SecurityGroup
from ecsim.settings import Limits
from ecsim.store.base import Store

__all__ = ["Placement", "Placements"]

_zone_not_found = fixed(
    "The ZoneId provided does not exist in our records.",
    code="InvalidZoneId.NotFound",
    http_status=404,
)
_type_not_in_zone = fixed(
    "The specified zone does not support this instancetype.",
    code="InvalidInstanceType.ZoneNotSupported",
    http_status=403,
)
_classic_not_offered = fixed(
    "The network type is not support in this region.", code="InvalidNetworkType", http_status=403
)
_vswitch_status = fixed(
    "The current status of virtual switch does not support this operation.",
    code="IncorrectVSwitchStatus",
    http_status=400,
)
_classic_group_in_vpc = fixed(
    "The specified security group is of the classic network and cannot be used in a VPC.",
    code="InvalidSecurityGroup.NetworkType",
    http_status=400,
)
_group_vswitch_mismatch = fixed(
    "Specified security group and virtual switch are not in the same VPC.",
    code="InvalidParameter.Mismatch",
    http_status=400,
)
_vswitch_zone_mismatch = fixed(
    "The specified VSwitch is not in the specified zone.",
    code="InvalidParameter.VSwitchId",
    http_status=400,
)
_vswitch_not_found = fixed(
    "Specified virtual switch does not exist.", code="InvalidVSwitchId.NotFound", http_status=404
)


@dataclass(frozen=True)
class Placement:
    zone: Zone
    # None: the region's classic network
    vswitch: VSwitch | None
    groups: tuple[SecurityGroup, ...]
    # the first private address asked for (VPC only)
    private_ip: ipaddress.IPv4Address | None


class Placements:
    def __init__(self, store: Store, clock: Clock, limits: Limits, catalog: Catalog) -> None:
        self._clock = clock
        self._catalog = catalog
        self._membership = SecurityGroupMembership(store, clock, limits)
        self._vswitches = VSwitchRepository(store)

    def place(self, account_id: str, region_id: str, spec: LaunchSpec) -> Placement:
        asked_zone = self._zone(region_id, spec.zone_id) if spec.zone_id else None
        groups = self._security_groups(account_id, region_id, spec.security_group_ids)
        if spec.vswitch_id:
            vswitch = self._vswitch(account_id, region_id, spec.vswitch_id, groups)
            if asked_zone is not None and asked_zone.zone_id != vswitch.zone_id:
                raise _vswitch_zone_mismatch()
            zone = self._zone(region_id, vswitch.zone_id)
        else:
            if groups[0].vpc_id is not None or spec.private_ip is not None:
                raise MissingParameter("VSwitchId")
            vswitch = None
            zone = self._classic_zone(region_id, asked_zone, spec.instance_type)
        if not zone.offer.offers_instance_type(spec.instance_type):
            raise _type_not_in_zone()
        return Placement(zone, vswitch, groups, spec.private_ip if vswitch else None)

    def _zone(self, region_id: str, zone_id: str) -> Zone:
        zone = self._catalog.zone(region_id, zone_id)
        if zone is None:
            raise _zone_not_found()
        return zone

    def _security_groups(
        self, account_id: str, region_id: str, group_ids: Sequence[str]
    ) -> tuple[SecurityGroup, ...]:
        if not group_ids:
            raise MissingParameter("SecurityGroupId")
        return self._membership.validate_launch_groups(
            account_id, region_id, group_ids, LAUNCH_CODES
        )

    def _vswitch(
        self,
        account_id: str,
        region_id: str,
        vswitch_id: str,
        groups: tuple[SecurityGroup, ...],
    ) -> VSwitch:
        vswitch = self._vswitches.find(vswitch_id)
        if vswitch is None or vswitch.account_id != account_id or vswitch.region_id != region_id:
            raise _vswitch_not_found()
        if vswitch.status(self._clock.now()) is not NetworkStatus.AVAILABLE:
            raise _vswitch_status()
        if groups[0].vpc_id is None:
            raise _classic_group_in_vpc()
        if groups[0].vpc_id != vswitch.vpc_id:
            raise _group_vswitch_mismatch()
        return vswitch

    def _classic_zone(self, region_id: str, asked: Zone | None, instance_type: str) -> Zone:
        """The asked zone, if it sells classic instances; otherwise the first zone of the
        region that sells classic instances of ``instance_type``."""
        if asked is not None:
            if NetworkType.CLASSIC not in asked.offer.network_types:
                raise _classic_not_offered()
            return asked
        classic = [
            z
            for z in self._catalog.zones(region_id)
            if NetworkType.CLASSIC in z.offer.network_types
        ]
        if not classic:
            raise _classic_not_offered()
        return next((z for z in classic if z.offer.offers_instance_type(instance_type)), classic[0])
