"""Automatic snapshot policies: Create/Modify/Describe/Delete, Apply to and Cancel on disks.

These actions spell most parameters in lowerCamel (``regionId``, ``timePoints``, ...), so
the skeleton does not see a ``RegionId``; each handler checks ``regionId`` itself. Time
points and weekdays travel as JSON arrays of strings and are answered the same way.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.paging import number_page, page_params
from ecsim.api.params import Integer, Param, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.control.snapshot_policies import NewPolicy, PolicyChanges, PolicyView
from ecsim.errors import EcsError
from ecsim.services import Services
from ecsim.times import format_minutes

__all__ = ["actions"]

actions = ActionGroup(ECS)

# a letter (or CJK character) first, 2..128 characters; not a URL
_NAME = re.compile(r"[A-Za-z\u4e00-\u9fa5][\w\u4e00-\u9fa5.:-]{1,127}")


def _invalid(field: str) -> EcsError:
    return EcsError(
        f"The specified parameter {field} is not valid.", code="ParameterInvalid", http_status=403
    )


def _hours_list(params: dict[str, Any], field: str, low: int, high: int) -> tuple[int, ...] | None:
    """A JSON array of numbers (as ECS sends them, strings) in low..high, sorted, unique."""
    text = params.get(field)
    if text is None:
        return None
    try:
        items = json.loads(text)
    except ValueError:
        raise _invalid(field) from None
    if not isinstance(items, list) or not 1 <= len(items) <= high - low + 1:
        raise _invalid(field)
    values = set()
    for item in items:
        digits = str(item).strip() if isinstance(item, str | int) else ""
        if isinstance(item, bool) or not digits.isdigit() or not low <= int(digits) <= high:
            raise _invalid(field)
        values.add(int(digits))
    return tuple(sorted(values))


def _retention(params: dict[str, Any]) -> int | None:
    days: int | None = params.get("retentionDays")
    # -1 keeps for ever; otherwise at least a day
    if days == 0:
        raise _invalid("retentionDays")
    return days


def _name(params: dict[str, Any]) -> str | None:
    name: str | None = params.get("autoSnapshotPolicyName")
    if name is not None and (
        not _NAME.fullmatch(name) or name.lower().startswith(("http:", "https:"))
    ):
        raise EcsError(
            "The specified automatic snapshot policy name is wrongly formed.",
            code="InvalidSnapshotPolicyName.Malformed",
            http_status=400,
        )
    return name


def _region(params: dict[str, Any], services: Services) -> str:
    region_id: str = params["regionId"]
    services.catalog.require_region(region_id)
    return region_id


def _disk_ids(params: dict[str, Any]) -> list[str]:
    try:
        items = json.loads(params["diskIds"])
    except ValueError:
        raise _invalid("diskIds") from None
    if (
        not isinstance(items, list)
        or not 1 <= len(items) <= 1000
        or not all(isinstance(item, str) and item for item in items)
    ):
        raise _invalid("diskIds")
    return items


def _retention_param(*, required: bool) -> Param:
    return Integer(
        "retentionDays",
        required=required,
        minimum=-1,
        maximum=65535,
        code="ParameterInvalid",
        http_status=403,
    )


@actions.action(
    "CreateAutoSnapshotPolicy",
    params=(
        String("regionId", required=True),
        String("autoSnapshotPolicyName"),
        String("timePoints", required=True),
        String("repeatWeekdays", required=True),
        _retention_param(required=True),
        String("ResourceGroupId"),
    ),
    mutating=True,
)
def create_auto_snapshot_policy(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    region_id = _region(params, services)
    _retention(params)
    spec = NewPolicy(
        time_points=_hours_list(params, "timePoints", 0, 23) or (),
        repeat_weekdays=_hours_list(params, "repeatWeekdays", 1, 7) or (),
        retention_days=params["retentionDays"],
        name=_name(params) or "",
        resource_group_id=params.get("ResourceGroupId", ""),
    )
    policy = services.snapshot_policies.create(ctx.account_id, region_id, spec)
    return {"AutoSnapshotPolicyId": policy.policy_id}


@actions.action(
    "ModifyAutoSnapshotPolicyEx",
    params=(
        String("regionId", required=True),
        String("autoSnapshotPolicyId", required=True),
        String("autoSnapshotPolicyName"),
        String("timePoints"),
        String("repeatWeekdays"),
        _retention_param(required=False),
    ),
    mutating=True,
)
def modify_auto_snapshot_policy_ex(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    region_id = _region(params, services)
    changes = PolicyChanges(
        name=_name(params),
        time_points=_hours_list(params, "timePoints", 0, 23),
        repeat_weekdays=_hours_list(params, "repeatWeekdays", 1, 7),
        retention_days=_retention(params),
    )
    services.snapshot_policies.modify(
        ctx.account_id, region_id, params["autoSnapshotPolicyId"], changes
    )
    return {}


@actions.action(
    "DescribeAutoSnapshotPolicyEx",
    params=(
        String("RegionId", required=True),
        String("AutoSnapshotPolicyId"),
        String("AutoSnapshotPolicyName"),
        String("ResourceGroupId"),
        *page_params(),
    ),
)
def describe_auto_snapshot_policy_ex(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    views = services.snapshot_policies.describe(
        ctx.account_id,
        ctx.region,
        policy_id=params.get("AutoSnapshotPolicyId"),
        name=params.get("AutoSnapshotPolicyName"),
    )
    page = number_page(views, params, default_size=10, max_size=100)
    return page.fields() | {
        "AutoSnapshotPolicies": {"AutoSnapshotPolicy": [_policy(view) for view in page.items]}
    }


@actions.action(
    "DeleteAutoSnapshotPolicy",
    params=(String("regionId", required=True), String("autoSnapshotPolicyId", required=True)),
    mutating=True,
)
def delete_auto_snapshot_policy(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    region_id = _region(params, services)
    services.snapshot_policies.delete(ctx.account_id, region_id, params["autoSnapshotPolicyId"])
    return {}


@actions.action(
    "ApplyAutoSnapshotPolicy",
    params=(
        String("regionId", required=True),
        String("autoSnapshotPolicyId", required=True),
        String("diskIds", required=True),
    ),
    mutating=True,
)
def apply_auto_snapshot_policy(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    region_id = _region(params, services)
    services.snapshot_policies.apply(
        ctx.account_id, region_id, params["autoSnapshotPolicyId"], _disk_ids(params)
    )
    return {}


@actions.action(
    "CancelAutoSnapshotPolicy",
    params=(String("regionId", required=True), String("diskIds", required=True)),
    mutating=True,
)
def cancel_auto_snapshot_policy(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    region_id = _region(params, services)
    services.snapshot_policies.cancel(ctx.account_id, region_id, _disk_ids(params))
    return {}


def _policy(view: PolicyView) -> dict[str, Any]:
    policy = view.policy
    return {
        "AutoSnapshotPolicyId": policy.policy_id,
        "AutoSnapshotPolicyName": policy.name,
        "RegionId": policy.region_id,
        "TimePoints": json.dumps([str(hour) for hour in policy.time_points]),
        "RepeatWeekdays": json.dumps([str(day) for day in policy.repeat_weekdays]),
        "RetentionDays": policy.retention_days,
        "DiskNums": view.disk_count,
        "VolumeNums": 0,
        "Status": "Normal",
        "CreationTime": format_minutes(policy.created_at),
        "ResourceGroupId": policy.resource_group_id,
        "EnableCrossRegionCopy": False,
        "TargetCopyRegions": "",
        "CopiedSnapshotsRetentionDays": -1,
        "Type": "Custom",
        "Tags": {"Tag": []},
    }
