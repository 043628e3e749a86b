"""ecsim's own view of running instances (product Ecsim): DescribeInstanceRuntime, which
``ecsim exec`` calls to learn the init process it enters with nsenter."""

from __future__ import annotations

from typing import Any

from ecsim.api.actions.instance_console import runtimes
from ecsim.api.context import RequestContext
from ecsim.api.params import String
from ecsim.api.products import ECSIM
from ecsim.api.registry import ActionGroup
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECSIM)


@actions.action("DescribeInstanceRuntime", params=(String("InstanceId", required=True),))
def describe_instance_runtime(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    found = runtimes(services).runtime(ctx.account_id, params["InstanceId"])
    return {"InstanceId": found.instance_id, "Pid": found.pid, "NetworkNamespace": found.netns}
