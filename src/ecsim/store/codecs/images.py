"""Custom Image <-> the JSON document the store keeps (system images live in the catalog)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ecsim.model.image import (
    Architecture,
    DiskDeviceMapping,
    Image,
    ImageBootMode,
    ImageOwnerAlias,
    ImageShare,
    ImageStatus,
    OSType,
)
from ecsim.store.base import ResourceRecord

__all__ = ["KIND", "decode_image", "encode_image"]

KIND = "image"


def encode_image(image: Image) -> ResourceRecord:
    body: dict[str, Any] = {
        "name": image.name,
        "os_type": image.os_type.value,
        "os_name": image.os_name,
        "os_name_en": image.os_name_en,
        "platform": image.platform,
        "architecture": image.architecture.value,
        "boot_mode": image.boot_mode.value,
        "size_gib": image.size_gib,
        "status": image.status.value,
        "created_at": image.created_at.isoformat(),
        "description": image.description,
        "family": image.family,
        "version": image.version,
        "resource_group_id": image.resource_group_id,
        "is_copied": image.is_copied,
        "is_public": image.is_public,
        "mappings": [
            {
                "device": m.device,
                "size_gib": m.size_gib,
                "disk_type": m.disk_type,
                "snapshot_id": m.snapshot_id,
                "image_format": m.image_format,
                "import_bucket": m.import_bucket,
                "import_object": m.import_object,
            }
            for m in image.disk_device_mappings
        ],
        "shares": [
            {"account_id": s.account_id, "shared_at": s.shared_at.isoformat()} for s in image.shares
        ],
        "ready_at": image.ready_at.isoformat() if image.ready_at is not None else None,
        "is_imported": image.is_imported,
    }
    return ResourceRecord(KIND, image.image_id, image.account_id, image.region_id, body)


def decode_image(record: ResourceRecord) -> Image:
    body = record.body
    return Image(
        image_id=record.resource_id,
        name=body["name"],
        owner_alias=ImageOwnerAlias.SELF,
        os_type=OSType(body["os_type"]),
        os_name=body["os_name"],
        os_name_en=body["os_name_en"],
        platform=body["platform"],
        architecture=Architecture(body["architecture"]),
        boot_mode=ImageBootMode(body["boot_mode"]),
        size_gib=body["size_gib"],
        status=ImageStatus(body["status"]),
        created_at=datetime.fromisoformat(body["created_at"]),
        description=body["description"],
        family=body["family"],
        version=body["version"],
        account_id=record.account_id,
        region_id=record.region_id,
        resource_group_id=body["resource_group_id"],
        is_copied=body["is_copied"],
        is_public=body["is_public"],
        disk_device_mappings=tuple(
            DiskDeviceMapping(
                device=m["device"],
                size_gib=m["size_gib"],
                disk_type=m["disk_type"],
                snapshot_id=m["snapshot_id"],
                image_format=m["image_format"],
                import_bucket=m.get("import_bucket", ""),
                import_object=m.get("import_object", ""),
            )
            for m in body["mappings"]
        ),
        shares=tuple(
            ImageShare(s["account_id"], datetime.fromisoformat(s["shared_at"]))
            for s in body["shares"]
        ),
        ready_at=datetime.fromisoformat(ready) if (ready := body.get("ready_at")) else None,
        is_imported=body.get("is_imported", False),
    )
