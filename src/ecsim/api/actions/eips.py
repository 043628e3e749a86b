"""eips actions, served in the ECS version (2014-05-26, as Packer calls them) and the VPC
product version (2016-04-28)."""

from __future__ import annotations

from ecsim.api.products import ECS, VPC
from ecsim.api.registry import ActionGroup

__all__ = ["ecs_actions", "vpc_actions"]

ecs_actions = ActionGroup(ECS)
vpc_actions = ActionGroup(VPC)
