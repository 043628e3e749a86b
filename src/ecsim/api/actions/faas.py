"""FAAS product actions."""

from __future__ import annotations

from ecsim.api.products import FAAS
from ecsim.api.registry import ActionGroup

__all__ = ["actions"]

actions = ActionGroup(FAAS)
