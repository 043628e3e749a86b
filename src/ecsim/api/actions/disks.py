"""disks actions (ECS 2014-05-26)."""

from __future__ import annotations

from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup

__all__ = ["actions"]

actions = ActionGroup(ECS)
