"""The errors of the security-group rule use cases, spelled as ECS spells them.

Several codes name the peer's side: ingress rules speak of the source group, egress rules of
the destination group, so those builders take the direction.
"""

from __future__ import annotations

from ecsim.errors import EcsError
from ecsim.model.values import Direction

__all__ = [
    "duplicate_permissions",
    "enterprise_rule_denied",
    "group_reference_limit",
    "modify_duplicate",
    "modify_entity_type",
    "modify_nic_type",
    "network_type_mismatch",
    "peer_is_enterprise",
    "peer_is_self",
    "peer_needs_intranet",
    "peer_not_found",
    "peer_vpc_mismatch",
    "prefix_list_not_found",
    "rule_id_invalid",
    "rule_id_repeated",
    "rule_limit",
    "rule_not_found",
]


def peer_not_found(direction: Direction) -> EcsError:
    if direction is Direction.INGRESS:
        return EcsError(
            "The SourceGroupId provided does not exist in our records.",
            code="InvalidSourceGroupId.NotFound",
            http_status=404,
        )
    return EcsError(
        "The DestGroupId provided does not exist in our records.",
        code="InvalidDestGroupId.NotFound",
        http_status=404,
    )


def peer_vpc_mismatch(direction: Direction) -> EcsError:
    if direction is Direction.INGRESS:
        return EcsError(
            "Specified security group and source group are not in the same VPC.",
            code="InvalidSourceGroupId.Mismatch",
            http_status=400,
        )
    return EcsError(
        "Specified security group and destination group are not in the same VPC.",
        code="InvalidDestGroupId.Mismatch",
        http_status=400,
    )


def peer_needs_intranet(direction: Direction) -> EcsError:
    if direction is Direction.INGRESS:
        return EcsError(
            "NicType is required or NicType expects intranet.",
            code="InvalidSourceGroupId.Mismatch",
            http_status=403,
        )
    return EcsError(
        "NicType is required or NicType expects intranet.",
        code="InvalidDestGroupId.Mismatch",
        http_status=403,
    )


def network_type_mismatch(direction: Direction) -> EcsError:
    message = (
        "The specified SecurityGroup network type should be same with SourceGroup network "
        "type (vpc or classic)."
    )
    if direction is Direction.INGRESS:
        return EcsError(message, code="InvalidNetworkType.Mismatch", http_status=403)
    return EcsError(message, code="InvalidNetworkType.Conflict", http_status=403)


def peer_is_self() -> EcsError:
    # Only egress refuses it; an ingress rule naming its own group is the documented way to
    # let members of a Drop group talk (reference §8).
    return EcsError(
        "The authorized SecurityGroupId should be different from the DestGroupId.",
        code="InvalidSecurityGroup.IsSame",
        http_status=403,
    )


def peer_is_enterprise() -> EcsError:
    return EcsError(
        "The security group can not authorize to enterprise level security group.",
        code="InvalidGroupAuthParameter.OperationDenied",
        http_status=400,
    )


def enterprise_rule_denied() -> EcsError:
    return EcsError(
        "The attributes Policy, SourceGroupId, DestGroupId of enterprise level security "
        "groups are not allowed to be set or modified.",
        code="InvalidGroupParameter.OperationDenied",
        http_status=400,
    )


def prefix_list_not_found() -> EcsError:
    return EcsError(
        "The specified prefix list was not found.",
        code="InvalidPrefixListId.NotFound",
        http_status=404,
    )


def duplicate_permissions() -> EcsError:
    return EcsError(
        "There are duplicate permissions in the specified parameter Permissions.",
        code="InvalidParam.DuplicatePermissions",
        http_status=400,
    )


def rule_limit() -> EcsError:
    return EcsError(
        "The limit of authorization records in the security group reaches.",
        code="AuthorizationLimitExceed",
        http_status=403,
    )


def group_reference_limit(limit: int) -> EcsError:
    return EcsError(
        "You have reached the limit on the number of group authorization rules that you can "
        f"add to a security group ({limit}).",
        code="AuthorizedGroupRule.LimitExceed",
        http_status=400,
    )


def rule_id_invalid(rule_id: str) -> EcsError:
    return EcsError(
        f"The specified parameter SecurityGroupRuleId is not valid: {rule_id} is not a rule "
        "of this security group in this direction.",
        code="InvalidParam.SecurityGroupRuleId",
        http_status=400,
    )


def rule_id_repeated(rule_id: str) -> EcsError:
    return EcsError(
        f"The specified parameter SecurityGroupRuleId is repeated: {rule_id}.",
        code="InvalidParam.SecurityGroupRuleIdRepeated",
        http_status=400,
    )


def rule_not_found() -> EcsError:
    return EcsError(
        "The target security group rule not exist.",
        code="SecurityGroupRule.NotFound",
        http_status=404,
    )


def modify_entity_type() -> EcsError:
    return EcsError(
        "The source or destination type of the rules cannot be modified.",
        code="InvalidOperation.ModifySgRuleEntityType",
        http_status=400,
    )


def modify_nic_type() -> EcsError:
    return EcsError(
        "NicType is not allowed to modify.",
        code="InvalidOperation.ModifyNicType",
        http_status=400,
    )


def modify_duplicate(rule_id: str) -> EcsError:
    # ECS documents that a modified rule may not equal another rule, without naming a code.
    return EcsError(
        f"The request parameters are illegal: the modified rule would be the same as {rule_id}.",
        code="InvalidParam.InvalidModifyRuleRequest",
        http_status=400,
    )
