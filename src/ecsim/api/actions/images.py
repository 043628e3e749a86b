"""DescribeImages over the public image catalog (and, later, the caller's own images).

Wire values become model values here: the comma lists of ``ImageId`` and ``Status``
(``ALL`` for every status), the owner aliases, OS types and architectures, and the
``Filter.N`` creation window. ``InstanceType`` narrows the answer to the architectures its
processor boots.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.id_filters import comma_ids
from ecsim.api.paging import number_page, page_params
from ecsim.api.params import Boolean, Long, RepeatList, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.api.tagging import render_tags, tag_filter
from ecsim.control.error_builders import fixed
from ecsim.control.images import DEFAULT_OWNERS, ImageQuery, ImageView
from ecsim.errors import InvalidParameter
from ecsim.model.image import Architecture, ImageOwnerAlias, ImageStatus, ImageUsage, OSType
from ecsim.services import Services
from ecsim.times import format_seconds

__all__ = ["actions"]

actions = ActionGroup(ECS)

_OWNER_ALIASES = tuple(alias.value for alias in ImageOwnerAlias)
_USAGES = tuple(usage.value for usage in ImageUsage)
_STATUSES = {status.value.lower(): status for status in ImageStatus}
_FILTER_KEYS = ("CreationStartTime", "CreationEndTime")
# Filter.N.Value, as documented: yyyy-MM-ddTHH:mmZ (UTC)
_FILTER_TIME = "%Y-%m-%dT%H:%MZ"

_invalid_os_type = fixed(
    "The specified OSType is not valid.", code="InvalidOSType", http_status=404
)
_invalid_architecture = fixed(
    "The specified Architecture is not valid.", code="InvalidArchitecture", http_status=404
)
_invalid_instance_type = fixed(
    "The specified InstanceType does not exist or beyond the permitted range.",
    code="InvalidInstanceType.ValueNotSupported",
    http_status=400,
)
_invalid_filter_key = fixed(
    "The specified Filter Key is not found.", code="InvalidFilterKey.NotFound", http_status=404
)
_invalid_filter_value = fixed(
    "The specified Filter Value is not valid.", code="InvalidFilterValue", http_status=404
)
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
    start, end = _creation_window(params.get("Filter", []))
    query = ImageQuery(
        owners=frozenset({ImageOwnerAlias(alias)}) if alias else DEFAULT_OWNERS,
        image_ids=comma_ids(params.get("ImageId")),
        name=params.get("ImageName"),
        family=params.get("ImageFamily"),
        statuses=_statuses(params.get("Status")),
        os_type=_os_type(params.get("OSType")),
        architectures=_architectures(params, services),
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


# -- wire values -> model values -------------------------------------------------------------


def _statuses(text: str | None) -> frozenset[ImageStatus] | None:
    """The Status filter: a comma list, ``ALL`` for every status, Available when absent."""
    if text is None:
        return frozenset({ImageStatus.AVAILABLE})
    wanted: set[ImageStatus] = set()
    for part in (part.strip() for part in text.split(",")):
        if not part:
            continue
        if part.lower() == "all":
            return None
        status = _STATUSES.get(part.lower())
        if status is None:
            raise InvalidParameter("Status", f"Valid values: {', '.join(_STATUSES)}, ALL.")
        wanted.add(status)
    return frozenset(wanted) if wanted else frozenset({ImageStatus.AVAILABLE})


def _os_type(text: str | None) -> OSType | None:
    if text is None:
        return None
    try:
        return OSType(text.lower())
    except ValueError:
        raise _invalid_os_type() from None


def _architectures(params: dict[str, Any], services: Services) -> frozenset[Architecture] | None:
    """The Architecture filter, narrowed to what the InstanceType filter's processor boots."""
    chosen: frozenset[Architecture] | None = None
    text = params.get("Architecture")
    if text is not None:
        try:
            chosen = frozenset({Architecture(text.lower())})
        except ValueError:
            raise _invalid_architecture() from None
    type_id = params.get("InstanceType")
    if type_id is not None:
        instance_type = services.catalog.instance_type(type_id)
        if instance_type is None:
            raise _invalid_instance_type()
        booted = Architecture.for_processor(instance_type.processor.architecture)
        chosen = booted if chosen is None else chosen & booted
    return chosen


def _creation_window(
    filters: list[dict[str, Any]],
) -> tuple[datetime | None, datetime | None]:
    start: datetime | None = None
    end: datetime | None = None
    for item in filters:
        key, value = item.get("Key"), item.get("Value")
        if key is None and value is None:
            continue
        if key not in _FILTER_KEYS:
            raise _invalid_filter_key()
        try:
            moment = datetime.strptime(value or "", _FILTER_TIME).replace(tzinfo=UTC)
        except ValueError:
            raise _invalid_filter_value() from None
        if key == "CreationStartTime":
            start = moment
        else:
            end = moment
    return start, end


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
        "Progress": "100%",
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
        "IsSelfShared": "false",
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
                    "ImportOSSBucket": "",
                    "ImportOSSObject": "",
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
