"""Handlers, one module per resource family; each exposes an ``ActionGroup`` named ``actions``."""

from ecsim.api.actions import accounts, instance_types, regions, zones
from ecsim.api.registry import ActionGroup

__all__ = ["ACTION_GROUPS"]

ACTION_GROUPS: tuple[ActionGroup, ...] = (
    regions.actions,
    zones.actions,
    instance_types.actions,
    accounts.actions,
)
