"""security_group_membership actions (ECS 2014-05-26): JoinSecurityGroup, LeaveSecurityGroup.

Either names an instance (its primary network interface changes; RegionId may be left out)
or a network interface (RegionId is then required).
"""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.params import Param, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECS)

_PARAMS: tuple[Param, ...] = (
    String("SecurityGroupId", required=True),
    String("InstanceId"),
    String("NetworkInterfaceId"),
    String("RegionId"),
)


@actions.action("JoinSecurityGroup", params=_PARAMS, mutating=True)
def join_security_group(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.network_interfaces.join_security_group(
        ctx.account_id,
        ctx.region_id,
        params["SecurityGroupId"],
        instance_id=params.get("InstanceId"),
        eni_id=params.get("NetworkInterfaceId"),
    )
    return {}


@actions.action("LeaveSecurityGroup", params=_PARAMS, mutating=True)
def leave_security_group(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.network_interfaces.leave_security_group(
        ctx.account_id,
        ctx.region_id,
        params["SecurityGroupId"],
        instance_id=params.get("InstanceId"),
        eni_id=params.get("NetworkInterfaceId"),
    )
    return {}
