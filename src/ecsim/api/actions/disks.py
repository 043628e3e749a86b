"""CreateDisk, DescribeDisks, ModifyDiskAttribute, DeleteDisk, AttachDisk and DetachDisk.

Attaching and detaching change the disk's record; no block device reaches the instance yet.
"""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.paging import number_page, page_params, token_page, token_params
from ecsim.api.params import Boolean, Integer, JsonList, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.api.tagging import render_tags, tag_filter, tag_param, tags_from
from ecsim.control.disks import DiskChanges, DiskQuery, DiskView, NewDisk
from ecsim.services import Services
from ecsim.times import format_seconds

__all__ = ["actions"]

actions = ActionGroup(ECS)

_STATUSES = ("In_use", "Available", "Attaching", "Detaching", "Creating", "ReIniting", "All")
_CATEGORIES = (
    "all",
    "cloud",
    "cloud_efficiency",
    "cloud_ssd",
    "cloud_essd",
    "cloud_auto",
    "cloud_essd_entry",
    "local_ssd_pro",
    "local_hdd_pro",
    "ephemeral",
    "ephemeral_ssd",
)


@actions.action(
    "CreateDisk",
    params=(
        String("RegionId", required=True),
        String("ZoneId"),
        String("DiskCategory", default="cloud"),
        Integer("Size"),
        String("SnapshotId"),
        String("DiskName"),
        String("Description"),
        String(
            "PerformanceLevel",
            enum=("PL0", "PL1", "PL2", "PL3"),
            code="InvalidPerformanceLevel.Malformed",
        ),
        String("ResourceGroupId"),
        tag_param(),
    ),
    mutating=True,
    idempotent=True,
)
def create_disk(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    spec = NewDisk(
        zone_id=params.get("ZoneId", ""),
        category=params["DiskCategory"],
        size_gib=params.get("Size"),
        snapshot_id=params.get("SnapshotId"),
        name=params.get("DiskName", ""),
        description=params.get("Description", ""),
        performance_level=params.get("PerformanceLevel", ""),
        resource_group_id=params.get("ResourceGroupId", ""),
        tags=tags_from(params),
    )
    disk = services.disks.create(ctx.account_id, ctx.region, spec)
    return {"DiskId": disk.disk_id}


@actions.action(
    "DescribeDisks",
    params=(
        String("RegionId", required=True),
        String("ZoneId"),
        JsonList("DiskIds", max_items=100, code="InvalidDiskIds.Malformed", http_status=403),
        String("InstanceId"),
        String(
            "DiskType", enum=("all", "system", "data"), code="InvalidDiskType.ValueNotSupported"
        ),
        String("Category", enum=_CATEGORIES, code="InvalidCategory.ValueNotSupported"),
        String("Status", enum=_STATUSES, code="InvalidStatus.ValueNotSupported"),
        String("SnapshotId"),
        String("DiskName"),
        Boolean("Portable"),
        Boolean("DeleteWithInstance"),
        String("ResourceGroupId"),
        *page_params(),
        *token_params(),
        tag_param(),
    ),
)
def describe_disks(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    category = params.get("Category")
    query = DiskQuery(
        zone_id=params.get("ZoneId"),
        disk_ids=params.get("DiskIds"),
        instance_id=params.get("InstanceId"),
        disk_type=params.get("DiskType"),
        category=None if category == "all" else category,
        status=params.get("Status"),
        snapshot_id=params.get("SnapshotId"),
        name=params.get("DiskName"),
        portable=params.get("Portable"),
        delete_with_instance=params.get("DeleteWithInstance"),
        tags=tag_filter(params),
    )
    views = services.disks.describe(ctx.account_id, ctx.region, query)
    policies = services.snapshot_policies.policies_by_disk(ctx.account_id, ctx.region)
    if "NextToken" in params or "MaxResults" in params:
        tokens = token_page(views, params, default_size=10, max_size=500)
        items = [_disk(view, policies) for view in tokens.items]
        return {
            "NextToken": tokens.next_token,
            "TotalCount": tokens.total_count,
            "Disks": {"Disk": items},
        }
    page = number_page(views, params, default_size=10, max_size=100)
    return page.fields() | {"Disks": {"Disk": [_disk(view, policies) for view in page.items]}}


@actions.action(
    "ModifyDiskAttribute",
    params=(
        String("DiskId"),
        String("DiskName"),
        String("Description"),
        Boolean("DeleteWithInstance"),
        Boolean("DeleteAutoSnapshot"),
        Boolean("EnableAutoSnapshot"),
    ),
    mutating=True,
)
def modify_disk_attribute(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    changes = DiskChanges(
        name=params.get("DiskName"),
        description=params.get("Description"),
        delete_with_instance=params.get("DeleteWithInstance"),
        delete_auto_snapshot=params.get("DeleteAutoSnapshot"),
        enable_auto_snapshot=params.get("EnableAutoSnapshot"),
    )
    services.disks.modify(ctx.account_id, params.get("DiskId", ""), changes)
    return {}


@actions.action("DeleteDisk", params=(String("DiskId", required=True),), mutating=True)
def delete_disk(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    services.disks.delete(ctx.account_id, params["DiskId"])
    return {}


@actions.action(
    "AttachDisk",
    params=(
        String("InstanceId", required=True),
        String("DiskId", required=True),
        Boolean("DeleteWithInstance", default=False),
    ),
    mutating=True,
)
def attach_disk(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    services.disks.attach(
        ctx.account_id,
        params["InstanceId"],
        params["DiskId"],
        delete_with_instance=params["DeleteWithInstance"],
    )
    return {}


@actions.action(
    "DetachDisk",
    params=(
        String("InstanceId", required=True),
        String("DiskId", required=True),
        Boolean("DeleteWithInstance"),
    ),
    mutating=True,
)
def detach_disk(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    services.disks.detach(
        ctx.account_id,
        params["InstanceId"],
        params["DiskId"],
        delete_with_instance=params.get("DeleteWithInstance"),
    )
    return {}


# -- model -> wire ---------------------------------------------------------------------------


def _disk(view: DiskView, policies: dict[str, str]) -> dict[str, Any]:
    disk = view.disk
    policy_id = policies.get(disk.disk_id, "")
    attachments = (
        [
            {
                "InstanceId": disk.instance_id,
                "Device": disk.device,
                "AttachedTime": format_seconds(disk.attached_at) if disk.attached_at else "",
            }
        ]
        if disk.instance_id
        else []
    )
    return {
        "DiskId": disk.disk_id,
        "DiskName": disk.name,
        "Description": disk.description,
        "RegionId": disk.region_id,
        "ZoneId": disk.zone_id,
        "Category": disk.category,
        "PerformanceLevel": disk.performance_level,
        "Type": disk.disk_type.value,
        "Size": disk.size_gib,
        "Status": disk.status.value,
        "InstanceId": disk.instance_id,
        "Device": disk.device,
        "ImageId": "",
        "SourceSnapshotId": disk.source_snapshot_id,
        "AutoSnapshotPolicyId": policy_id,
        "EnableAutoSnapshot": disk.enable_auto_snapshot,
        "EnableAutomatedSnapshotPolicy": bool(policy_id),
        "DeleteWithInstance": disk.delete_with_instance,
        "DeleteAutoSnapshot": disk.delete_auto_snapshot,
        "Portable": disk.portable,
        "Encrypted": False,
        "KMSKeyId": "",
        "CreationTime": format_seconds(disk.created_at),
        "AttachedTime": format_seconds(disk.attached_at) if disk.attached_at else "",
        "DetachedTime": format_seconds(disk.detached_at) if disk.detached_at else "",
        "DiskChargeType": "PostPaid",
        "MultiAttach": "Disabled",
        "MountInstanceNum": 1 if disk.instance_id else 0,
        "ResourceGroupId": disk.resource_group_id,
        "Attachments": {"Attachment": attachments},
        "OperationLocks": {"OperationLock": []},
        "Tags": render_tags(view.tags),
    }
