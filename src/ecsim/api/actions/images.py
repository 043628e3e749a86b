"""DescribeImages over the public image catalog and custom images; CreateImage, DeleteImage,
CopyImage, CancelCopyImage, and the share permissions of custom images (ImportImage:
``image_imports``).

Wire values become model values here: the comma lists of ``ImageId`` and ``Status``
(``ALL`` for every status), the owner aliases, OS types and architectures, and the
``Filter.N`` creation window. ``InstanceType`` narrows the answer to the architectures its
processor boots.
"""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.id_filters import comma_ids
from ecsim.api.image_filters import architectures, creation_window, os_type, statuses
from ecsim.api.paging import number_page, page_params
from ecsim.api.params import Boolean, Integer, Long, RepeatList, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.api.tagging import render_tags, tag_filter, tag_param, tags_from
from ecsim.control.custom_images import CustomImages, ImageCopy, NewImage, NewMapping
from ecsim.control.error_builders import fixed
from ecsim.control.images import DEFAULT_OWNERS, ImageQuery, ImageView
from ecsim.errors import MissingParameter
from ecsim.model.image import (
    Architecture,
    ImageBootMode,
    ImageOwnerAlias,
    ImageUsage,
)
from ecsim.services import Services
from ecsim.times import format_seconds

__all__ = ["actions"]

actions = ActionGroup(ECS)

_OWNER_ALIASES = tuple(alias.value for alias in ImageOwnerAlias)
_USAGES = tuple(usage.value for usage in ImageUsage)
# AddAccount.N / RemoveAccount.N entries past the tenth are ignored, as documented
_MAX_ACCOUNTS = 10
_tag_mismatch = fixed(
    "The specified Tag.n.Key and Tag.n.Value are not match.",
    code="InvalidTag.Mismatch",
    http_status=400,
)


@actions.action(
    "DescribeImages",
    params=(
        String("RegionId", required=True),
        String("Status"),
        String("ImageId"),
        Boolean("ShowExpired"),
        String("SnapshotId"),
        String("ImageName"),
        String("ImageFamily"),
        String(
            "ImageOwnerAlias",
            enum=_OWNER_ALIASES,
            code="InvalidImageOwnerAlias.ValueNotSupported",
        ),
        String("InstanceType"),
        Boolean("IsSupportIoOptimized"),
        Boolean("IsSupportCloudinit"),
        String("OSType"),
        String("Architecture"),
        *page_params(),
        String("Usage", enum=_USAGES, code="InvalidUsage", http_status=404),
        String("ActionType", enum=("CreateEcs", "ChangeOS")),
        String("ResourceGroupId"),
        # more than 20 tags: the code DescribeImages documents for it
        RepeatList(
            "Tag", fields=(String("Key"), String("Value")), max_items=20, code="InvalidTagCount"
        ),
        RepeatList("Filter", fields=(String("Key"), String("Value")), max_items=10),
        Boolean("IsPublic"),
        Long("ImageOwnerId"),
    ),
    dry_run=True,
)
def describe_images(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    alias = params.get("ImageOwnerAlias")
    usage = params.get("Usage")
    owner_id = params.get("ImageOwnerId")
    if any(not item.get("Key") and item.get("Value") for item in params.get("Tag", [])):
        raise _tag_mismatch()
    start, end = creation_window(params.get("Filter", []))
    query = ImageQuery(
        owners=frozenset({ImageOwnerAlias(alias)}) if alias else DEFAULT_OWNERS,
        image_ids=comma_ids(params.get("ImageId")),
        name=params.get("ImageName"),
        family=params.get("ImageFamily"),
        statuses=statuses(params.get("Status")),
        os_type=os_type(params.get("OSType")),
        architectures=architectures(params, services),
        usage=ImageUsage(usage) if usage else None,
        io_optimized=params.get("IsSupportIoOptimized"),
        cloudinit=params.get("IsSupportCloudinit"),
        snapshot_id=params.get("SnapshotId"),
        resource_group_id=params.get("ResourceGroupId"),
        owner_id=None if owner_id is None else str(owner_id),
        community_only=params.get("IsPublic") is True,
        tags=tag_filter(params),
        created_from=start,
        created_until=end,
    )
    region_id = params["RegionId"]
    views = services.images.describe(ctx.account_id, region_id, query)
    page = number_page(views, params, default_size=10, max_size=100)
    images = [_image(view) for view in page.items]
    return {"RegionId": region_id, **page.fields(), "Images": {"Image": images}}


@actions.action(
    "CreateImage",
    params=(
        String("RegionId", required=True),
        String("SnapshotId"),
        String("InstanceId"),
        String("ImageName"),
        String("ImageFamily"),
        String("ImageVersion"),
        String("Description"),
        String("Platform"),
        String(
            "BootMode",
            enum=("BIOS", "UEFI", "UEFI-Preferred"),
            code="InvalidBootMode.NotSupport",
        ),
        String(
            "Architecture",
            enum=tuple(a.value for a in Architecture),
            code="InvalidArchitecture.Malformed",
        ),
        String("ResourceGroupId"),
        RepeatList(
            "DiskDeviceMapping",
            fields=(
                String("SnapshotId"),
                Integer("Size", code="InvalidSize.ValueNotSupported"),
                String("Device"),
                String(
                    "DiskType",
                    enum=("system", "data"),
                    code="InvalidDiskType.ValueNotSupported",
                ),
            ),
            max_items=17,
            code="InvalidParameter.DiskType",
        ),
        tag_param(),
    ),
    mutating=True,
    idempotent=True,
)
def create_image(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    mappings = tuple(
        NewMapping(
            snapshot_id=item.get("SnapshotId"),
            size_gib=item.get("Size"),
            device=item.get("Device"),
            disk_type=item.get("DiskType"),
        )
        for item in params.get("DiskDeviceMapping", [])
    )
    boot_mode = params.get("BootMode", "BIOS")
    spec = NewImage(
        region_id=params["RegionId"],
        instance_id=params.get("InstanceId"),
        mappings=mappings,
        snapshot_id=params.get("SnapshotId"),
        name=params.get("ImageName", ""),
        description=params.get("Description", ""),
        family=params.get("ImageFamily", ""),
        version=params.get("ImageVersion", ""),
        platform=params.get("Platform", ""),
        architecture=Architecture(params.get("Architecture", "x86_64")),
        # UEFI-Preferred boots UEFI where it can, which every ecsim instance can
        boot_mode=ImageBootMode.BIOS if boot_mode == "BIOS" else ImageBootMode.UEFI,
        resource_group_id=params.get("ResourceGroupId", ""),
        tags=tags_from(params),
    )
    image = _custom_images(services).create(ctx.account_id, spec)
    return {"ImageId": image.image_id}


@actions.action(
    "DeleteImage",
    params=(
        String("RegionId", required=True),
        String("ImageId", required=True),
        Boolean("Force"),
    ),
    mutating=True,
)
def delete_image(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    _custom_images(services).delete(
        ctx.account_id, params["RegionId"], params["ImageId"], force=params.get("Force") is True
    )
    return {}


@actions.action(
    "CopyImage",
    params=(
        String("RegionId", required=True),
        String("ImageId", required=True),
        # optional in the metadata; a copy with nowhere to go is refused below
        String("DestinationRegionId"),
        String("DestinationImageName"),
        String("DestinationDescription"),
        String("ResourceGroupId"),
        tag_param(),
    ),
    mutating=True,
)
def copy_image(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    if "DestinationRegionId" not in params:
        raise MissingParameter("DestinationRegionId")
    spec = ImageCopy(
        destination_region_id=params["DestinationRegionId"],
        name=params.get("DestinationImageName", ""),
        description=params.get("DestinationDescription", ""),
        resource_group_id=params.get("ResourceGroupId", ""),
        tags=tags_from(params),
    )
    copied = _custom_images(services).copy(
        ctx.account_id, params["RegionId"], params["ImageId"], spec
    )
    return {"ImageId": copied.image_id}


@actions.action(
    "CancelCopyImage",
    params=(String("RegionId", required=True), String("ImageId", required=True)),
    mutating=True,
)
def cancel_copy_image(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    _custom_images(services).cancel_copy(ctx.account_id, params["RegionId"], params["ImageId"])
    return {}


@actions.action(
    "ModifyImageSharePermission",
    params=(
        String("RegionId", required=True),
        String("ImageId", required=True),
        # entries past the tenth are ignored, as documented
        RepeatList("AddAccount"),
        RepeatList("RemoveAccount"),
    ),
    mutating=True,
)
def modify_image_share_permission(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.image_sharing.modify(
        ctx.account_id,
        params["RegionId"],
        params["ImageId"],
        add=[str(a) for a in params.get("AddAccount", [])[:_MAX_ACCOUNTS] if a],
        remove=[str(a) for a in params.get("RemoveAccount", [])[:_MAX_ACCOUNTS] if a],
    )
    return {}


@actions.action(
    "DescribeImageSharePermission",
    params=(String("RegionId", required=True), String("ImageId", required=True), *page_params()),
)
def describe_image_share_permission(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    region_id = params["RegionId"]
    image = services.image_sharing.shares(ctx.account_id, region_id, params["ImageId"])
    page = number_page(list(image.shares), params, default_size=10, max_size=100)
    accounts = [
        {"AliyunId": share.account_id, "SharedTime": format_seconds(share.shared_at)}
        for share in page.items
    ]
    return {
        "ImageId": image.image_id,
        "RegionId": region_id,
        **page.fields(),
        "Accounts": {"Account": accounts},
        "ShareGroups": {"ShareGroup": []},
    }


def _custom_images(services: Services) -> CustomImages:
    return services.custom_images


# -- model -> wire ---------------------------------------------------------------------------


def _image(view: ImageView) -> dict[str, Any]:
    image = view.image
    body: dict[str, Any] = {
        "ImageId": image.image_id,
        "ImageName": image.name,
        "ImageFamily": image.family,
        "ImageVersion": image.version,
        "Description": image.description,
        "Status": image.status.value,
        "Progress": f"{view.progress}%",
        "Size": image.size_gib,
        "Architecture": image.architecture.value,
        "OSType": image.os_type.value,
        "OSName": image.os_name,
        "OSNameEn": image.os_name_en,
        "Platform": image.platform,
        "BootMode": image.boot_mode.value,
        "ImageOwnerAlias": image.owner_alias.value,
        "IsCopied": image.is_copied,
        "IsPublic": image.is_public,
        "IsSelfShared": "true" if image.shares else "false",
        "IsSubscribed": False,
        "IsSupportCloudinit": image.is_support_cloudinit,
        "IsSupportIoOptimized": image.is_support_io_optimized,
        "LoginAsNonRootSupported": image.login_as_non_root_supported,
        "Usage": view.usage.value,
        "CreationTime": format_seconds(image.created_at),
        "ProductCode": image.product_code,
        "ResourceGroupId": image.resource_group_id,
        "Features": {"NvmeSupport": "supported" if image.nvme_support else "unsupported"},
        "DiskDeviceMappings": {
            "DiskDeviceMapping": [
                {
                    "Device": mapping.device,
                    "Size": str(mapping.size_gib),
                    "SnapshotId": mapping.snapshot_id,
                    "Type": mapping.disk_type,
                    "Format": mapping.image_format,
                    "ImportOSSBucket": mapping.import_bucket,
                    "ImportOSSObject": mapping.import_object,
                }
                for mapping in image.disk_device_mappings
            ]
        },
        "Tags": render_tags(view.tags),
    }
    if image.account_id:
        # the owner is shown for images that have one (shared and community images)
        body["ImageOwnerId"] = int(image.account_id)
    return body
