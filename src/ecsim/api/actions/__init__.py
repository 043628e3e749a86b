"""Handlers, one module per resource family; each exposes its ``ActionGroup``s."""

from ecsim.api.actions import (
    accounts,
    eips,
    faas,
    images,
    instance_attributes,
    instance_types,
    instances,
    key_pairs,
    network_interfaces,
    ram,
    reachability,
    regions,
    security_group_membership,
    security_group_rules,
    security_groups,
    tags,
    vpcs,
    vswitches,
    zones,
)
from ecsim.api.registry import ActionGroup

__all__ = ["ACTION_GROUPS"]

ACTION_GROUPS: tuple[ActionGroup, ...] = (
    regions.actions,
    zones.actions,
    instance_types.actions,
    accounts.actions,
    vpcs.ecs_actions,
    vpcs.vpc_actions,
    vswitches.ecs_actions,
    vswitches.vpc_actions,
    eips.ecs_actions,
    eips.vpc_actions,
    security_groups.actions,
    security_group_rules.actions,
    tags.actions,
    tags.vpc_actions,
    images.actions,
    instances.actions,
    instance_attributes.actions,
    network_interfaces.actions,
    key_pairs.actions,
    security_group_membership.actions,
    reachability.actions,
    ram.actions,
    faas.actions,
)
