"""ResizeDisk and ReInitDisk: a disk grows, or goes back to its first state
(``control.disk_maintenance``)."""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.params import Boolean, Integer, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.control.disk_maintenance import DiskMaintenance, Reinit
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECS)


def _maintenance(services: Services) -> DiskMaintenance:
    """The use cases over the wired services (they hold no state of their own)."""
    return DiskMaintenance(
        services.store, services.clock, services.blocks, services.images, services.dataplane
    )


@actions.action(
    "ResizeDisk",
    params=(
        String("DiskId", required=True),
        Integer("NewSize", required=True),
        String("Type", enum=("offline", "online"), code="InvalidParam.Type", default="offline"),
    ),
    idempotent=True,
)
def resize_disk(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    _maintenance(services).resize(
        ctx.account_id, params["DiskId"], params["NewSize"], online=params["Type"] == "online"
    )
    return {}


@actions.action(
    "ReInitDisk",
    params=(
        String("DiskId", required=True),
        String("Password"),
        String("KeyPairName"),
        Boolean("AutoStartInstance", default=False),
        # the free Security Center agent: nothing to install in an ecsim instance
        String("SecurityEnhancementStrategy", enum=("Active", "Deactive")),
    ),
    mutating=True,
)
def reinit_disk(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    spec = Reinit(password=params.get("Password"), key_pair_name=params.get("KeyPairName"))
    instance = _maintenance(services).reinit(ctx.account_id, params["DiskId"], spec)
    if params["AutoStartInstance"]:
        services.instances.start(ctx.account_id, None, instance.instance_id)
    return {}
