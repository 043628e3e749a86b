"""CreateSnapshot, DescribeSnapshots, DeleteSnapshot, ModifySnapshotAttribute and ResetDisk.

Snapshots are taken synchronously, so every one listed is ``accomplished`` at ``100%``.
"""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.paging import number_page, page_params, token_page, token_params
from ecsim.api.params import Boolean, Integer, JsonList, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.api.tagging import render_tags, tag_filter, tag_param, tags_from
from ecsim.control.snapshots import NewSnapshot, SnapshotChanges, SnapshotQuery, SnapshotView
from ecsim.model.snapshot import SnapshotStatus
from ecsim.services import Services
from ecsim.times import format_seconds

__all__ = ["actions"]

actions = ActionGroup(ECS)


@actions.action(
    "CreateSnapshot",
    params=(
        String("DiskId", required=True),
        String("SnapshotName"),
        String("Description"),
        Integer("RetentionDays", minimum=1, maximum=65536, code="InvalidRetentionDays.Malformed"),
        String("ResourceGroupId"),
        tag_param(),
    ),
    mutating=True,
    idempotent=True,
)
def create_snapshot(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    spec = NewSnapshot(
        disk_id=params["DiskId"],
        name=params.get("SnapshotName", ""),
        description=params.get("Description", ""),
        retention_days=params.get("RetentionDays"),
        resource_group_id=params.get("ResourceGroupId", ""),
        tags=tags_from(params),
    )
    snapshot = services.snapshots.create(ctx.account_id, spec, background=True)
    return {"SnapshotId": snapshot.snapshot_id}


@actions.action(
    "DescribeSnapshots",
    params=(
        String("RegionId", required=True),
        String("InstanceId"),
        String("DiskId"),
        JsonList(
            "SnapshotIds", max_items=100, code="InvalidSnapshotIds.Malformed", http_status=403
        ),
        String("SnapshotName"),
        String(
            "Status",
            enum=("progressing", "accomplished", "failed", "all"),
            code="InvalidStatus.NotFound",
            http_status=404,
        ),
        String(
            "SnapshotType",
            enum=("auto", "user", "all"),
            code="InvalidSnapshotType.NotFound",
            http_status=404,
        ),
        String("SourceDiskType"),
        String(
            "Usage",
            enum=("image", "disk", "image_disk", "none"),
            code="InvalidUsage",
            http_status=404,
        ),
        String("ResourceGroupId"),
        *page_params(),
        *token_params(),
        tag_param(),
    ),
)
def describe_snapshots(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    query = SnapshotQuery(
        instance_id=params.get("InstanceId"),
        disk_id=params.get("DiskId"),
        snapshot_ids=params.get("SnapshotIds"),
        name=params.get("SnapshotName"),
        status=params.get("Status"),
        snapshot_type=params.get("SnapshotType"),
        source_disk_type=params.get("SourceDiskType"),
        usage=params.get("Usage"),
        tags=tag_filter(params),
    )
    views = services.snapshots.describe(ctx.account_id, ctx.region, query)
    if "NextToken" in params or "MaxResults" in params:
        tokens = token_page(views, params, default_size=10, max_size=100)
        return {
            "NextToken": tokens.next_token,
            "TotalCount": tokens.total_count,
            "Snapshots": {"Snapshot": [_snapshot(view) for view in tokens.items]},
        }
    page = number_page(views, params, default_size=10, max_size=100)
    return page.fields() | {"Snapshots": {"Snapshot": [_snapshot(view) for view in page.items]}}


@actions.action(
    "DeleteSnapshot",
    params=(String("SnapshotId", required=True), Boolean("Force", default=False)),
    mutating=True,
)
def delete_snapshot(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.snapshots.delete(ctx.account_id, params["SnapshotId"], force=params["Force"])
    return {}


@actions.action(
    "ModifySnapshotAttribute",
    params=(
        String("SnapshotId", required=True),
        String("SnapshotName"),
        String("Description"),
        Integer("RetentionDays", minimum=1, maximum=65536, code="InvalidRetentionDays.Malformed"),
    ),
    mutating=True,
)
def modify_snapshot_attribute(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    changes = SnapshotChanges(
        name=params.get("SnapshotName"),
        description=params.get("Description"),
        retention_days=params.get("RetentionDays"),
    )
    services.snapshots.modify(ctx.account_id, params["SnapshotId"], changes)
    return {}


@actions.action(
    "ResetDisk",
    params=(String("DiskId", required=True), String("SnapshotId", required=True)),
    mutating=True,
    dry_run=True,
)
def reset_disk(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    services.snapshots.reset_disk(ctx.account_id, params["DiskId"], params["SnapshotId"])
    return {}


# -- model -> wire ---------------------------------------------------------------------------


def _snapshot(view: SnapshotView) -> dict[str, Any]:
    snapshot = view.snapshot
    done = snapshot.status is SnapshotStatus.ACCOMPLISHED
    percent = 100 if done else view.progress.percent if view.progress else 0
    body: dict[str, Any] = {
        "SnapshotId": snapshot.snapshot_id,
        "SnapshotName": snapshot.name,
        "Description": snapshot.description,
        "Status": snapshot.status.value,
        "Progress": f"{percent}%",
        "RemainTime": view.progress.remain_seconds if view.progress else 0,
        "Available": done,
        "CreationTime": format_seconds(snapshot.created_at),
        "SourceDiskId": snapshot.source_disk_id,
        "SourceDiskSize": str(snapshot.source_disk_size_gib),
        "SourceDiskType": snapshot.source_disk_type,
        "SourceStorageType": "disk",
        "SnapshotType": snapshot.snapshot_type,
        "Usage": view.usage,
        "Encrypted": False,
        "ProductCode": "",
        "Category": "standard",
        "InstantAccess": False,
        "RegionId": snapshot.region_id,
        "ResourceGroupId": snapshot.resource_group_id,
        "Tags": render_tags(view.tags),
    }
    if snapshot.retention_days is not None:
        body["RetentionDays"] = snapshot.retention_days
    return body
