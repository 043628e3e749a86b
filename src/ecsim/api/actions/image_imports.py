"""ImportImage: disk image files in ecsim's OSS become a custom image
(``control.image_imports``)."""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.params import Integer, RepeatList, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.api.tagging import tag_param, tags_from
from ecsim.control.error_builders import fixed
from ecsim.control.image_imports import ImageImports, ImportMapping, NewImport
from ecsim.model.image import Architecture, ImageBootMode, OSType
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECS)

_no_role = fixed(
    "ECS service account Have no right to access your OSS.please attach a role of access "
    "your oss to ECS service account.",
    code="NoSetRoletoECSServiceAcount",
    http_status=403,
)
_boot_mode_for_arm = fixed(
    "The specified parameter BootMode is not supported for current image architecture.",
    code="InvalidBootMode.NotSupport",
    http_status=400,
)
_no_cloud_box = fixed(
    "The specified cloud box storage location could not be found.",
    code="InvalidStorageLocation.NotFound",
    http_status=403,
)


@actions.action(
    "ImportImage",
    params=(
        String("RegionId", required=True),
        String("ImageName"),
        String("Description"),
        String(
            "Architecture",
            enum=tuple(a.value for a in Architecture),
            code="InvalidArchitecture.Malformed",
        ),
        String("OSType", enum=tuple(o.value for o in OSType), code="InvalidOSType.Malformed"),
        String("Platform", max_length=64, code="InvalidPlatform.Malformed"),
        String("BootMode", enum=("BIOS", "UEFI"), code="InvalidBootMode.Malformed"),
        String("RoleName"),
        String(
            "LicenseType",
            enum=("Auto", "Aliyun", "BYOL"),
            code="InvalidLicenseType.NotSupported",
        ),
        String("ResourceGroupId"),
        # N past 17 is ignored, as documented: the list is cut after parsing
        RepeatList(
            "DiskDeviceMapping",
            fields=(
                String("OSSBucket"),
                String("OSSObject"),
                String("Format"),
                Integer("DiskImageSize", code="InvalidImageSize"),
                # the deprecated name of DiskImageSize
                Integer("DiskImSize", code="InvalidImageSize"),
                String("Device"),
            ),
        ),
        tag_param(),
        String("DetectionStrategy", enum=("Standard",), code="InvalidParameter.DetectionStrategy"),
        String("StorageLocationArn"),
    ),
    mutating=True,
)
def import_image(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    role = params.get("RoleName")
    if role and role not in {r.name for r in services.ram.roles(ctx.account_id)}:
        raise _no_role()
    if params.get("StorageLocationArn"):  # ecsim has no cloud boxes
        raise _no_cloud_box()
    architecture = Architecture(params.get("Architecture", "x86_64"))
    arm = architecture is Architecture.ARM64
    boot_mode = params.get("BootMode", "UEFI" if arm else "BIOS")
    if arm and boot_mode != "UEFI":
        raise _boot_mode_for_arm()
    mappings = tuple(
        ImportMapping(
            bucket=item.get("OSSBucket"),
            object_key=item.get("OSSObject"),
            image_format=item.get("Format") or None,
            size_gib=item.get("DiskImageSize", item.get("DiskImSize")),
            device=item.get("Device") or None,
        )
        for item in params.get("DiskDeviceMapping", [])
    )
    spec = NewImport(
        region_id=params["RegionId"],
        mappings=mappings,
        name=params.get("ImageName", ""),
        description=params.get("Description", ""),
        architecture=architecture,
        os_type=OSType(params.get("OSType", "linux")),
        platform=params.get("Platform", ""),
        boot_mode=ImageBootMode(boot_mode),
        resource_group_id=params.get("ResourceGroupId", ""),
        tags=tags_from(params),
    )
    imports = ImageImports(
        services.store,
        services.ids,
        services.clock,
        services.objects,
        services.blocks,
        services.custom_images,
    )
    image = imports.import_image(ctx.account_id, spec)
    return {"ImageId": image.image_id, "RegionId": image.region_id, "TaskId": imports.task_id()}
