"""Security-group rules on the wire: ``Permissions.N.*`` or the legacy flat fields -> RuleSpec.

The six rule actions share one field set per direction (``permission_fields``). Authorize and
Revoke take up to 100 rules as ``Permissions.N`` or one rule as the deprecated flat
parameters, never both (reference §2.8); Revoke may name rules by ``SecurityGroupRuleId.N``
instead; Modify names one rule and the fields to change. State-dependent checks (the peer
group, quotas, enterprise groups) are the use case's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecsim.api.params import Param, RepeatList, String
from ecsim.api.permission_fields import RuleFields, rule_field_params
from ecsim.errors import EcsError, MissingParameter
from ecsim.model.rule_spec import RuleChange, RuleSpec, check_rule_shape
from ecsim.model.values import Direction, Policy, Priority

__all__ = [
    "authorize_params",
    "modify_params",
    "parse_change",
    "parse_modification",
    "parse_revocation",
    "parse_rules",
    "revoke_params",
]

MAX_PERMISSIONS = 100


# -- declarations ------------------------------------------------------------------------------


def _group_params() -> tuple[Param, ...]:
    return (String("RegionId", required=True), String("SecurityGroupId", required=True))


def authorize_params(direction: Direction) -> tuple[Param, ...]:
    fields = rule_field_params(direction)
    return (
        *_group_params(),
        RepeatList("Permissions", fields=fields, max_items=MAX_PERMISSIONS),
        *fields,
    )


def revoke_params(direction: Direction) -> tuple[Param, ...]:
    return (
        *authorize_params(direction),
        RepeatList("SecurityGroupRuleId", max_items=MAX_PERMISSIONS),
    )


def modify_params(direction: Direction) -> tuple[Param, ...]:
    return (*_group_params(), String("SecurityGroupRuleId"), *rule_field_params(direction))


# -- requests ----------------------------------------------------------------------------------


def parse_rules(params: Mapping[str, Any], direction: Direction) -> list[RuleSpec]:
    """Permissions.N, or the legacy flat fields as one rule; the two never mix."""
    flat = _flat_values(params, direction)
    permissions: list[dict[str, Any]] | None = params.get("Permissions")
    if permissions is not None:
        if flat:
            raise _permissions_coexist()
        return [
            _spec(RuleFields(values, f"Permissions.{index}", direction), direction)
            for index, values in enumerate(permissions, start=1)
        ]
    if not flat:
        raise MissingParameter("Permissions.1")
    return [_spec(RuleFields(flat, "", direction), direction)]


def parse_revocation(
    params: Mapping[str, Any], direction: Direction
) -> tuple[list[str], list[RuleSpec]]:
    """(rule ids, rules to match): Revoke takes one or the other, never both."""
    rule_ids: list[str] | None = params.get("SecurityGroupRuleId")
    if rule_ids is None:
        return [], parse_rules(params, direction)
    if "Permissions" in params or _flat_values(params, direction):
        raise _permissions_coexist()
    return rule_ids, []


def parse_modification(
    params: Mapping[str, Any], direction: Direction
) -> tuple[str | RuleSpec, RuleChange]:
    """(the rule to change, the change). The rule is named by SecurityGroupRuleId, or in the
    legacy form by its fields, and then only its Description changes (reference §2.10)."""
    rule_id: str | None = params.get("SecurityGroupRuleId")
    if rule_id is not None:
        return rule_id, parse_change(params, direction)
    flat = _flat_values(params, direction)
    if not flat:
        raise MissingParameter("SecurityGroupRuleId")
    spec = _spec(RuleFields(flat, "", direction), direction)
    return spec, RuleChange(description=spec.description or None)


def parse_change(params: Mapping[str, Any], direction: Direction) -> RuleChange:
    """The fields a Modify call sets; everything it leaves out stays as it is."""
    fields = RuleFields(_flat_values(params, direction), "", direction)
    return RuleChange(
        protocol=fields.protocol(),
        port_range=fields.port_range(),
        source_port_range=fields.source_port_range(),
        peer=fields.peer(),
        local=fields.local(),
        nic_type=fields.nic_type(),
        policy=fields.policy(),
        priority=fields.priority(),
        description=fields.description(),
    )


def _flat_values(params: Mapping[str, Any], direction: Direction) -> dict[str, Any]:
    names = {param.name for param in rule_field_params(direction)}
    return {key: value for key, value in params.items() if key in names}


def _spec(fields: RuleFields, direction: Direction) -> RuleSpec:
    protocol = fields.protocol()
    if protocol is None:
        raise fields.missing_protocol()
    port_range = fields.port_range()
    if port_range is None:
        raise fields.missing_port_range()
    source_ports = fields.source_port_range()
    peer = fields.peer()
    if peer is None:
        raise fields.missing_peer()
    local = fields.local()
    check_rule_shape(protocol, port_range, source_ports, peer, local)
    return RuleSpec(
        direction=direction,
        protocol=protocol,
        port_range=port_range,
        source_port_range=source_ports,
        peer=peer,
        local=local,
        nic_type=fields.nic_type(),
        policy=fields.policy() or Policy.ACCEPT,
        priority=fields.priority() or Priority(),
        description=fields.description() or "",
    )


def _permissions_coexist() -> EcsError:
    return EcsError(
        "The specified parameter Permissions cannot coexist with other parameters.",
        code="InvalidParam.Permissions",
        http_status=400,
    )
