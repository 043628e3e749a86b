"""Images: the public (system) image catalog, and lookups for launching instances.

System images come from the packaged catalog (``control.image_catalog``) and exist in every
region. Custom images (``ImageOwnerAlias=self``, store kind ``image``) come from CreateImage and
CopyImage (``control.custom_images``); those other accounts share with the caller are its
``others`` (``control.image_sharing``). There are no marketplace images. A ``describe``
with no owner filter covers system, self and others, as ECS's does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ecsim.clock import Clock
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.custom_images import ImageRepository, image_not_found
from ecsim.control.error_builders import fixed
from ecsim.control.image_catalog import ImageCatalog, read_image_catalog
from ecsim.control.tags import Tags
from ecsim.model.image import (
    Architecture,
    Image,
    ImageOwnerAlias,
    ImageStatus,
    ImageUsage,
    OSType,
)
from ecsim.model.instance_types import InstanceType
from ecsim.store.base import Store
from ecsim.store.codecs import images as codec

__all__ = ["DEFAULT_OWNERS", "IMAGE_KIND", "ImageQuery", "ImageView", "Images"]

# Custom images are stored under this kind (tags name it too).
IMAGE_KIND = codec.KIND

# What an absent ImageOwnerAlias means: everything but the marketplace.
DEFAULT_OWNERS = frozenset({ImageOwnerAlias.SYSTEM, ImageOwnerAlias.SELF, ImageOwnerAlias.OTHERS})

_image_not_valid = fixed(
    "The specified Image is disabled or is deleted.",
    code="OperationDenied.ImageNotValid",
    http_status=403,
)
_not_for_instance_type = fixed(
    "The specified image does not support the specified InstanceType.",
    code="ImageNotSupportInstanceType",
    http_status=403,
)


@dataclass(frozen=True)
class ImageQuery:
    """DescribeImages filters; None (or empty) filters nothing."""

    owners: frozenset[ImageOwnerAlias] = DEFAULT_OWNERS
    image_ids: tuple[str, ...] | None = None
    # fuzzy: ``*`` stands for any characters; without one, any name containing it
    name: str | None = None
    family: str | None = None
    # None: every status
    statuses: frozenset[ImageStatus] | None = frozenset({ImageStatus.AVAILABLE})
    os_type: OSType | None = None
    architectures: frozenset[Architecture] | None = None
    usage: ImageUsage | None = None
    io_optimized: bool | None = None
    cloudinit: bool | None = None
    snapshot_id: str | None = None
    resource_group_id: str | None = None
    # the owning account; applies to images that have one (not system images)
    owner_id: str | None = None
    # IsPublic=true: community images only
    community_only: bool = False
    tags: Mapping[str, str | None] | None = None
    created_from: datetime | None = None
    created_until: datetime | None = None


@dataclass(frozen=True)
class ImageView:
    image: Image
    # whether the caller has instances made from it
    usage: ImageUsage
    tags: Mapping[str, str]
    # percent done of a copy or import still in progress
    progress: int = 100


class Images:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        tags: Tags,
    ) -> None:
        self._store = store
        self._clock = clock
        self._tags = tags
        self._catalog: ImageCatalog = read_image_catalog()
        self._instances = InstanceRepository(store)
        self._images = ImageRepository(store)

    # -- lookups for other families

    def find(self, region_id: str, image_id: str, *, account_id: str | None = None) -> Image | None:
        """The image ``image_id`` as seen from ``region_id`` (by ``account_id`` when given),
        whatever its status; None when there is no such image."""
        found = self._catalog.get(image_id)
        if found is not None:
            return found
        return next(
            (image for image in self._custom(account_id, region_id) if image.image_id == image_id),
            None,
        )

    def require_launchable(
        self,
        region_id: str,
        image_id: str,
        *,
        account_id: str | None = None,
        instance_type: InstanceType | None = None,
    ) -> Image:
        """The image an instance is launched from: it exists (InvalidImageId.NotFound), is
        Available (OperationDenied.ImageNotValid) and boots on ``instance_type``'s processor
        when one is given (ImageNotSupportInstanceType)."""
        image = self.find(region_id, image_id, account_id=account_id)
        if image is None:
            raise image_not_found()
        if not image.launchable:
            raise _image_not_valid()
        if instance_type is not None and not image.boots_on(instance_type.processor.architecture):
            raise _not_for_instance_type()
        return image

    def is_windows(self, region_id: str, image_id: str, *, account_id: str | None = None) -> bool:
        """Whether instances of ``image_id`` run Windows (an unknown image counts as Linux)."""
        image = self.find(region_id, image_id, account_id=account_id)
        return image is not None and image.is_windows

    # -- DescribeImages

    def describe(self, account_id: str, region_id: str, query: ImageQuery) -> list[ImageView]:
        candidates: list[Image] = []
        if ImageOwnerAlias.SYSTEM in query.owners:
            candidates.extend(self._catalog.all())
        candidates.extend(
            image
            for image in self._custom(account_id, region_id)
            if image.owner_alias in query.owners
        )
        tagged = (
            self._tags.matching(account_id, region_id, IMAGE_KIND, query.tags)
            if query.tags
            else None
        )
        used = {instance.image_id for instance in self._instances.owned_by(account_id, region_id)}
        now = self._clock.now()
        views: list[ImageView] = []
        for image in candidates:
            usage = ImageUsage.INSTANCE if image.image_id in used else ImageUsage.NONE
            if tagged is not None and image.image_id not in tagged:
                continue
            if not _matches(image, usage, query):
                continue
            tags = {} if image.is_system else self._tags.of(IMAGE_KIND, image.image_id)
            views.append(ImageView(image, usage, tags, image.progress_at(now)))
        return views

    # -- helpers

    def _custom(self, account_id: str | None, region_id: str) -> list[Image]:
        """The account's own images in the region, and those other accounts share with it
        (seen as ``others``), each with its status now; none without an account."""
        if account_id is None:
            return []
        found = self._images.owned_by(account_id, region_id)
        for other in self._store.list_accounts():
            if other.account_id == account_id:
                continue
            found.extend(
                image.seen_by(account_id)
                for image in self._images.owned_by(other.account_id, region_id)
                if image.shared_with(account_id)
            )
        now = self._clock.now()
        return [image.as_of(now) for image in found]


def _matches(image: Image, usage: ImageUsage, query: ImageQuery) -> bool:
    checks = (
        query.image_ids is None or image.image_id in query.image_ids,
        query.name is None or _name_fits(query.name, image.name),
        query.family is None or image.family == query.family,
        query.statuses is None or image.status in query.statuses,
        query.os_type is None or image.os_type is query.os_type,
        query.architectures is None or image.architecture in query.architectures,
        query.usage is None or usage is query.usage,
        query.io_optimized is None or image.is_support_io_optimized == query.io_optimized,
        query.cloudinit is None or image.is_support_cloudinit == query.cloudinit,
        query.snapshot_id is None or query.snapshot_id in image.snapshot_ids(),
        query.resource_group_id is None or image.resource_group_id == query.resource_group_id,
        query.owner_id is None or image.is_system or image.account_id == query.owner_id,
        # no ecsim image is a community image yet
        not query.community_only or (image.is_public and not image.is_system),
        query.created_from is None or image.created_at >= query.created_from,
        query.created_until is None or image.created_at <= query.created_until,
    )
    return all(checks)


def _name_fits(pattern: str, name: str) -> bool:
    """DescribeImages' fuzzy ImageName: ``*`` is any run of characters; a pattern without
    one matches any name that contains it."""
    if "*" not in pattern:
        return pattern in name
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, name, re.DOTALL) is not None
