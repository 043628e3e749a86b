"""Instance queries and attributes: DescribeInstances, DescribeInstanceStatus,
DescribeInstanceAttribute, ModifyInstanceAttribute, DescribeUserData, AllocatePublicIpAddress."""

from __future__ import annotations

from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup

__all__ = ["actions"]

actions = ActionGroup(ECS)
