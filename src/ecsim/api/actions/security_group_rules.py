"""security_group_rules actions (ECS 2014-05-26): Authorize*, Revoke*, Modify*Rule."""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.permissions import (
    authorize_params,
    modify_params,
    parse_modification,
    parse_revocation,
    parse_rules,
    revoke_params,
)
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.model.values import Direction
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECS)

_IN = Direction.INGRESS
_OUT = Direction.EGRESS


@actions.action("AuthorizeSecurityGroup", params=authorize_params(_IN), idempotent=True)
def authorize_security_group(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    return _authorize(ctx, params, services, _IN)


@actions.action("AuthorizeSecurityGroupEgress", params=authorize_params(_OUT), idempotent=True)
def authorize_security_group_egress(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    return _authorize(ctx, params, services, _OUT)


@actions.action("RevokeSecurityGroup", params=revoke_params(_IN), idempotent=True)
def revoke_security_group(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    return _revoke(ctx, params, services, _IN)


@actions.action("RevokeSecurityGroupEgress", params=revoke_params(_OUT), idempotent=True)
def revoke_security_group_egress(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    return _revoke(ctx, params, services, _OUT)


@actions.action("ModifySecurityGroupRule", params=modify_params(_IN), idempotent=True)
def modify_security_group_rule(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    return _modify(ctx, params, services, _IN)


@actions.action("ModifySecurityGroupEgressRule", params=modify_params(_OUT), idempotent=True)
def modify_security_group_egress_rule(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    return _modify(ctx, params, services, _OUT)


def _authorize(
    ctx: RequestContext, params: dict[str, Any], services: Services, direction: Direction
) -> dict[str, Any]:
    services.security_group_rules.authorize(
        ctx.account_id,
        params["RegionId"],
        params["SecurityGroupId"],
        parse_rules(params, direction),
    )
    return {}


def _revoke(
    ctx: RequestContext, params: dict[str, Any], services: Services, direction: Direction
) -> dict[str, Any]:
    rule_ids, specs = parse_revocation(params, direction)
    services.security_group_rules.revoke(
        ctx.account_id,
        params["RegionId"],
        params["SecurityGroupId"],
        direction,
        rule_ids=rule_ids,
        specs=specs,
    )
    return {}


def _modify(
    ctx: RequestContext, params: dict[str, Any], services: Services, direction: Direction
) -> dict[str, Any]:
    target, change = parse_modification(params, direction)
    services.security_group_rules.modify(
        ctx.account_id, params["RegionId"], params["SecurityGroupId"], direction, target, change
    )
    return {}
