"""RAM product actions."""

from __future__ import annotations

from ecsim.api.products import RAM
from ecsim.api.registry import ActionGroup

__all__ = ["actions"]

actions = ActionGroup(RAM)
