"""reachability actions."""

from __future__ import annotations

from ecsim.api.products import ECSIM
from ecsim.api.registry import ActionGroup

__all__ = ["actions"]

actions = ActionGroup(ECSIM)
