"""GetInstanceConsoleOutput: what an instance's init printed, Base64 as ECS returns it."""

from __future__ import annotations

import base64
from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.params import Boolean, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.control.instance_queries import InstanceQueries
from ecsim.control.instance_runtime import InstanceRuntimes
from ecsim.services import Services
from ecsim.times import format_beijing_seconds

__all__ = ["actions", "runtimes"]

actions = ActionGroup(ECS)


def runtimes(services: Services) -> InstanceRuntimes:
    """The runtime use cases over the wired services (they hold no state of their own)."""
    queries = InstanceQueries(
        services.store,
        services.clock,
        services.tags,
        services.catalog,
        services.images,
        services.addresses,
    )
    return InstanceRuntimes(services.store, services.dataplane, queries.os_of)


@actions.action(
    "GetInstanceConsoleOutput",
    params=(
        String("RegionId", required=True),
        String("InstanceId", required=True),
        Boolean("RemoveSymbols"),
    ),
)
def get_instance_console_output(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    console = runtimes(services).console(
        ctx.account_id,
        ctx.region,
        params["InstanceId"],
        remove_symbols=params.get("RemoveSymbols", False),
    )
    return {
        "InstanceId": console.instance_id,
        "ConsoleOutput": base64.b64encode(console.output).decode("ascii"),
        "LastUpdateTime": format_beijing_seconds(console.updated_at),
    }
