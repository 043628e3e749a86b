"""security_group_rules actions (ECS 2014-05-26): Authorize*, Revoke*, Modify*Rule.

Each action has an egress twin that differs only in its direction (and so in the names of the
peer's parameters), so one handler per verb is built for each direction.
"""

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
from ecsim.api.registry import ActionGroup, Handler
from ecsim.model.values import Direction
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECS)

_IN = Direction.INGRESS
_OUT = Direction.EGRESS


def _authorize(direction: Direction) -> Handler:
    def authorize(
        ctx: RequestContext, params: dict[str, Any], services: Services
    ) -> dict[str, Any]:
        services.security_group_rules.authorize(
            ctx.account_id,
            params["RegionId"],
            params["SecurityGroupId"],
            parse_rules(params, direction),
        )
        return {}

    return authorize


def _revoke(direction: Direction) -> Handler:
    def revoke(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
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

    return revoke


def _modify(direction: Direction) -> Handler:
    def modify(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
        target, change = parse_modification(params, direction)
        services.security_group_rules.modify(
            ctx.account_id, params["RegionId"], params["SecurityGroupId"], direction, target, change
        )
        return {}

    return modify


actions.action("AuthorizeSecurityGroup", params=authorize_params(_IN), idempotent=True)(
    _authorize(_IN)
)
actions.action("AuthorizeSecurityGroupEgress", params=authorize_params(_OUT), idempotent=True)(
    _authorize(_OUT)
)
actions.action("RevokeSecurityGroup", params=revoke_params(_IN), idempotent=True)(_revoke(_IN))
actions.action("RevokeSecurityGroupEgress", params=revoke_params(_OUT), idempotent=True)(
    _revoke(_OUT)
)
actions.action("ModifySecurityGroupRule", params=modify_params(_IN), idempotent=True)(_modify(_IN))
actions.action("ModifySecurityGroupEgressRule", params=modify_params(_OUT), idempotent=True)(
    _modify(_OUT)
)
