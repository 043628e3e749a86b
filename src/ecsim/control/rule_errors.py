"""The errors of the security-group rule use cases, spelled as ECS spells them.

Several codes name the peer's side: ingress rules speak of the source group, egress rules of
the destination group, so those builders take the direction.
"""

from __future__ import annotations

from collections.abc import Callable

from ecsim.control.error_builders import fixed, naming
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


def _sided(
    ingress: Callable[[], EcsError], egress: Callable[[], EcsError]
) -> Callable[[Direction], EcsError]:
    def build(direction: Direction) -> EcsError:
        return ingress() if direction is Direction.INGRESS else egress()

    return build


peer_not_found = _sided(
    fixed(
        "The SourceGroupId provided does not exist in our records.",
        code="InvalidSourceGroupId.NotFound",
        http_status=404,
    ),
    fixed(
        "The DestGroupId provided does not exist in our records.",
        code="InvalidDestGroupId.NotFound",
        http_status=404,
    ),
)

peer_vpc_mismatch = _sided(
    fixed(
        "Specified security group and source group are not in the same VPC.",
        code="InvalidSourceGroupId.Mismatch",
        http_status=400,
    ),
    fixed(
        "Specified security group and destination group are not in the same VPC.",
        code="InvalidDestGroupId.Mismatch",
        http_status=400,
    ),
)

_NEEDS_INTRANET = "NicType is required or NicType expects intranet."
peer_needs_intranet = _sided(
    fixed(_NEEDS_INTRANET, code="InvalidSourceGroupId.Mismatch", http_status=403),
    fixed(_NEEDS_INTRANET, code="InvalidDestGroupId.Mismatch", http_status=403),
)

_NETWORK_TYPE = (
    "The specified SecurityGroup network type should be same with SourceGroup network "
    "type (vpc or classic)."
)
network_type_mismatch = _sided(
    fixed(_NETWORK_TYPE, code="InvalidNetworkType.Mismatch", http_status=403),
    fixed(_NETWORK_TYPE, code="InvalidNetworkType.Conflict", http_status=403),
)

# Only egress refuses it; an ingress rule naming its own group is the documented way to let
# members of a Drop group talk (reference §8).
peer_is_self = fixed(
    "The authorized SecurityGroupId should be different from the DestGroupId.",
    code="InvalidSecurityGroup.IsSame",
    http_status=403,
)

peer_is_enterprise = fixed(
    "The security group can not authorize to enterprise level security group.",
    code="InvalidGroupAuthParameter.OperationDenied",
    http_status=400,
)

enterprise_rule_denied = fixed(
    "The attributes Policy, SourceGroupId, DestGroupId of enterprise level security "
    "groups are not allowed to be set or modified.",
    code="InvalidGroupParameter.OperationDenied",
    http_status=400,
)

prefix_list_not_found = fixed(
    "The specified prefix list was not found.",
    code="InvalidPrefixListId.NotFound",
    http_status=404,
)

duplicate_permissions = fixed(
    "There are duplicate permissions in the specified parameter Permissions.",
    code="InvalidParam.DuplicatePermissions",
    http_status=400,
)

rule_limit = fixed(
    "The limit of authorization records in the security group reaches.",
    code="AuthorizationLimitExceed",
    http_status=403,
)

# takes the limit
group_reference_limit = naming(
    "You have reached the limit on the number of group authorization rules that you can "
    "add to a security group ({}).",
    code="AuthorizedGroupRule.LimitExceed",
    http_status=400,
)

# takes the rule id
rule_id_invalid = naming(
    "The specified parameter SecurityGroupRuleId is not valid: {} is not a rule "
    "of this security group in this direction.",
    code="InvalidParam.SecurityGroupRuleId",
    http_status=400,
)

# takes the rule id
rule_id_repeated = naming(
    "The specified parameter SecurityGroupRuleId is repeated: {}.",
    code="InvalidParam.SecurityGroupRuleIdRepeated",
    http_status=400,
)

rule_not_found = fixed(
    "The target security group rule not exist.",
    code="SecurityGroupRule.NotFound",
    http_status=404,
)

modify_entity_type = fixed(
    "The source or destination type of the rules cannot be modified.",
    code="InvalidOperation.ModifySgRuleEntityType",
    http_status=400,
)

modify_nic_type = fixed(
    "NicType is not allowed to modify.",
    code="InvalidOperation.ModifyNicType",
    http_status=400,
)

# Takes the id of the rule it would equal. ECS documents that a modified rule may not equal
# another rule, without naming a code.
modify_duplicate = naming(
    "The request parameters are illegal: the modified rule would be the same as {}.",
    code="InvalidParam.InvalidModifyRuleRequest",
    http_status=400,
)
