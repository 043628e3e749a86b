"""Tag actions, for every resource type: ECS (2014-05-26) and the VPC product (2016-04-28)."""

from __future__ import annotations

from ecsim.api.products import ECS, VPC
from ecsim.api.registry import ActionGroup

__all__ = ["actions", "vpc_actions"]

actions = ActionGroup(ECS)
vpc_actions = ActionGroup(VPC)
