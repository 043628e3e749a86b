"""The public (system) images, read from the packaged ``ecsim/data/images.json``.

Entries use ECS's field names. ``ImageName`` defaults to ``ImageId`` (a public image's id is
its name), and each image gets the one system-disk mapping of its ``Size``. A malformed entry
is a packaging bug: ``ImageCatalogDataError`` at start-up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib import resources
from typing import Any

from ecsim.model.image import (
    Architecture,
    DiskDeviceMapping,
    Image,
    ImageBootMode,
    ImageOwnerAlias,
    ImageStatus,
    OSType,
)

__all__ = ["ImageCatalog", "ImageCatalogDataError", "parse_images", "read_image_catalog"]


class ImageCatalogDataError(ValueError):
    """The image data is malformed."""


class ImageCatalog:
    """System images, newest first (the order DescribeImages lists them in)."""

    def __init__(self, images: Iterable[Image]) -> None:
        self._images = tuple(sorted(images, key=lambda image: image.created_at, reverse=True))
        self._by_id = {image.image_id: image for image in self._images}
        if len(self._by_id) != len(self._images):
            raise ImageCatalogDataError("an image id is listed twice")

    def all(self) -> tuple[Image, ...]:
        return self._images

    def get(self, image_id: str) -> Image | None:
        return self._by_id.get(image_id)


def read_image_catalog() -> ImageCatalog:
    text = resources.files("ecsim").joinpath("data/images.json").read_text(encoding="utf-8")
    return ImageCatalog(parse_images(json.loads(text)))


def parse_images(data: Mapping[str, Any]) -> list[Image]:
    return [_image(entry) for entry in data["images"]]


def _image(entry: Mapping[str, Any]) -> Image:
    image_id = entry.get("ImageId", "?")
    try:
        size = int(entry["Size"])
        return Image(
            image_id=str(entry["ImageId"]),
            name=str(entry.get("ImageName", entry["ImageId"])),
            owner_alias=ImageOwnerAlias.SYSTEM,
            os_type=OSType(entry["OSType"]),
            os_name=str(entry["OSName"]),
            os_name_en=str(entry["OSNameEn"]),
            platform=str(entry["Platform"]),
            architecture=Architecture(entry["Architecture"]),
            boot_mode=ImageBootMode(entry["BootMode"]),
            size_gib=size,
            status=ImageStatus(entry.get("Status", "Available")),
            created_at=datetime.fromisoformat(entry["CreationTime"]),
            description=str(entry.get("Description", "")),
            family=str(entry.get("ImageFamily", "")),
            version=str(entry.get("ImageVersion", "")),
            is_support_io_optimized=bool(entry.get("IsSupportIoOptimized", True)),
            is_support_cloudinit=bool(entry.get("IsSupportCloudinit", True)),
            nvme_support=bool(entry.get("NvmeSupport", False)),
            login_as_non_root_supported=bool(entry.get("LoginAsNonRootSupported", False)),
            disk_device_mappings=(DiskDeviceMapping("/dev/xvda", size),),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ImageCatalogDataError(f"image {image_id}: {error!r}") from None
