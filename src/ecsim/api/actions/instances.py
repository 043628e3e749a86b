"""instances actions (ECS 2014-05-26): launch and the lifecycle.

RunInstances, CreateInstance; StartInstance, StopInstance, RebootInstance, DeleteInstance
(no RegionId: the instance is found by its id); and the batch forms StartInstances,
StopInstances, RebootInstances, DeleteInstances. The batch forms answer a DryRun that would
pass with ``DRYRUN.SUCCESS`` (their documented code) where the others answer
``DryRunOperation``.
"""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.launch_params import launch_params, launch_spec
from ecsim.api.params import Boolean, Param, RepeatList, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.control.instance_lifecycle import STOPPED_MODES
from ecsim.control.instances import Outcome
from ecsim.errors import EcsError
from ecsim.model.instance_spec import LaunchMode
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECS)

_BATCH_MODES = ("AllTogether", "SuccessFirst")
# an instance's outcome in a batch answer: HTTP's "OK", not an error code
_SUCCEEDED = "200"


class DryRunSuccess(EcsError):
    code = "DRYRUN.SUCCESS"
    message = "This request is a dryrun request with successful result."
    http_status = 400


def _instance_ids() -> Param:
    return RepeatList(
        "InstanceId",
        required=True,
        max_items=100,
        code="InvalidParameter.TooManyInstanceIds",
        http_status=403,
    )


def _stopped_mode() -> Param:
    return String("StoppedMode", enum=STOPPED_MODES)


# -- launch ----------------------------------------------------------------------------------


@actions.action("RunInstances", params=launch_params(LaunchMode.RUN), idempotent=True, dry_run=True)
def run_instances(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    created = services.instances.run(
        ctx.account_id,
        ctx.region,
        launch_spec(params),
        amount=params.get("Amount", 1),
        min_amount=params.get("MinAmount"),
    )
    return {"InstanceIdSets": {"InstanceIdSet": [i.instance_id for i in created]}}


@actions.action(
    "CreateInstance", params=launch_params(LaunchMode.CREATE), idempotent=True, dry_run=True
)
def create_instance(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    instance = services.instances.create(ctx.account_id, ctx.region, launch_spec(params))
    return {"InstanceId": instance.instance_id}


# -- one instance ----------------------------------------------------------------------------


@actions.action(
    "StartInstance",
    params=(String("InstanceId", required=True), Boolean("InitLocalDisk")),
    mutating=True,
    dry_run=True,
)
def start_instance(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.instances.start(ctx.account_id, ctx.region_id, params["InstanceId"])
    return {}


@actions.action(
    "StopInstance",
    params=(
        String("InstanceId", required=True),
        Boolean("ForceStop"),
        Boolean("ConfirmStop"),
        _stopped_mode(),
    ),
    mutating=True,
    dry_run=True,
)
def stop_instance(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.instances.stop(
        ctx.account_id,
        ctx.region_id,
        params["InstanceId"],
        stopped_mode=params.get("StoppedMode"),
        force=params.get("ForceStop") is True,
    )
    return {}


@actions.action(
    "RebootInstance",
    params=(String("InstanceId", required=True), Boolean("ForceStop")),
    mutating=True,
    dry_run=True,
)
def reboot_instance(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.instances.reboot(
        ctx.account_id, ctx.region_id, params["InstanceId"], force=params.get("ForceStop") is True
    )
    return {}


@actions.action(
    "DeleteInstance",
    params=(
        String("InstanceId", required=True),
        Boolean("Force"),
        Boolean("TerminateSubscription"),
    ),
    mutating=True,
    dry_run=True,
)
def delete_instance(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.instances.delete(
        ctx.account_id, ctx.region_id, params["InstanceId"], force=params.get("Force", False)
    )
    return {}


# -- batches ---------------------------------------------------------------------------------


def _batch_params(*extra: Param) -> tuple[Param, ...]:
    return (
        String("RegionId", required=True),
        _instance_ids(),
        String("BatchOptimization", enum=_BATCH_MODES),
        Boolean("DryRun"),
        *extra,
    )


def _all_together(params: dict[str, Any]) -> bool:
    return bool(params.get("BatchOptimization", "AllTogether") == "AllTogether")


def _answer(params: dict[str, Any], outcomes: list[Outcome]) -> dict[str, Any]:
    # Validation has run in full (a refusal would have been raised): a DryRun ends here, and
    # the skeleton's DryRun transaction undoes what was written.
    if params.get("DryRun") is True:
        raise DryRunSuccess()
    return {"InstanceResponses": {"InstanceResponse": [_response(o) for o in outcomes]}}


def _response(outcome: Outcome) -> dict[str, Any]:
    transition = outcome.transition
    if transition is None:
        assert outcome.error is not None
        return {
            "InstanceId": outcome.instance_id,
            "Code": outcome.error.code,
            "Message": outcome.error.message,
            "PreviousStatus": "",
            "CurrentStatus": "",
        }
    return {
        "InstanceId": outcome.instance_id,
        "Code": _SUCCEEDED,
        "Message": "success",
        "PreviousStatus": transition.previous.value,
        "CurrentStatus": transition.current.value,
    }


@actions.action("StartInstances", params=_batch_params(), mutating=True)
def start_instances(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    outcomes = services.instances.start_many(
        ctx.account_id, ctx.region, params["InstanceId"], all_together=_all_together(params)
    )
    return _answer(params, outcomes)


@actions.action(
    "StopInstances",
    params=_batch_params(Boolean("ForceStop"), _stopped_mode()),
    mutating=True,
)
def stop_instances(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    outcomes = services.instances.stop_many(
        ctx.account_id,
        ctx.region,
        params["InstanceId"],
        all_together=_all_together(params),
        stopped_mode=params.get("StoppedMode"),
        force=params.get("ForceStop") is True,
    )
    return _answer(params, outcomes)


@actions.action("RebootInstances", params=_batch_params(Boolean("ForceReboot")), mutating=True)
def reboot_instances(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    outcomes = services.instances.reboot_many(
        ctx.account_id,
        ctx.region,
        params["InstanceId"],
        all_together=_all_together(params),
        force=params.get("ForceReboot") is True,
    )
    return _answer(params, outcomes)


@actions.action(
    "DeleteInstances",
    params=(
        String("RegionId", required=True),
        _instance_ids(),
        Boolean("Force"),
        Boolean("TerminateSubscription"),
        Boolean("DryRun"),
    ),
    idempotent=True,
)
def delete_instances(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.instances.delete_many(
        ctx.account_id, ctx.region, params["InstanceId"], force=params.get("Force", False)
    )
    if params.get("DryRun") is True:
        raise DryRunSuccess()
    return {}
