"""FPGA as a Service: FPGA images built from designs in OSS, and the boards of f1/f3 instances.

Builds and loads move when they are looked at, so their progress is visible without waiting:
a new image is queued, and each listing moves it one step (compiling, then success or
failed); a load stays operating until its status is next asked for, or until
``Limits.fpga_load_timeout_seconds`` pass.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import timedelta

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.fpga_boards import FpgaBoards
from ecsim.control.fpga_design import check_design, log_name, log_text
from ecsim.control.fpga_errors import (
    fpga_image_not_found,
    fpga_image_state_error,
    frequency_error,
    image_not_found,
    image_number_exceed,
    oss_object_not_found,
    parameter_invalidate,
    shell_not_support,
)
from ecsim.control.fpga_repository import FAAS_REGION, FpgaRepository
from ecsim.control.object_storage import ObjectStorage
from ecsim.control.ram import Ram
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.fpga import SUPPORTED_SHELLS, Board, FpgaImage, FpgaType, ImageState
from ecsim.model.instance import Instance
from ecsim.settings import Limits
from ecsim.store.base import Store

__all__ = ["Fpga", "ImageRequest"]


@dataclass(frozen=True)
class ImageRequest:
    bucket: str
    object_name: str
    fpga_type: FpgaType
    shell_uuid: str
    role_arn: str
    encrypted: bool = False
    key_id: str = ""
    name: str = ""
    description: str = ""
    tags: str = ""


class Fpga:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        objects: ObjectStorage,
        ram: Ram,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._objects = objects
        self._ram = ram
        self._repo = FpgaRepository(store)
        self._boards = FpgaBoards(store, self._repo, clock, limits)

    # -- images ---------------------------------------------------------------------------

    def create_image(self, account_id: str, request: ImageRequest) -> FpgaImage:
        if request.shell_uuid not in SUPPORTED_SHELLS[request.fpga_type]:
            raise shell_not_support(request.shell_uuid)
        if request.encrypted and not request.key_id:
            raise parameter_invalidate("KeyId")
        if len(self._repo.images(account_id)) >= self._limits.fpga_images_per_account:
            raise image_number_exceed()
        now = self._clock.now()
        last = self._repo.last_request(account_id)
        window = timedelta(seconds=self._limits.fpga_image_request_window_seconds)
        if last is not None and now - last < window:
            raise frequency_error()
        self._ram.check_bucket_access(account_id, request.role_arn, request.bucket)
        try:
            data = self._objects.get_object(account_id, request.bucket, request.object_name)
        except EcsError as error:
            # NoSuchBucket, NoSuchKey, AccessDenied: the service cannot read the design
            raise oss_object_not_found() from error
        image = FpgaImage(
            image_uuid=request.fpga_type.value + self._ids.request_id().lower(),
            account_id=account_id,
            region_id=FAAS_REGION,
            name=request.name,
            description=request.description,
            tags=request.tags,
            shell_uuid=request.shell_uuid,
            fpga_type=request.fpga_type,
            encrypted=request.encrypted,
            key_id=request.key_id,
            bucket=request.bucket,
            object_name=request.object_name,
            state=ImageState.QUEUED,
            failure=check_design(request.fpga_type, request.object_name, data),
            created_at=now,
            updated_at=now,
        )
        self._repo.save_image(image)
        self._repo.record_request(account_id, now)
        return image

    def images(self, account_id: str) -> list[FpgaImage]:
        """The account's images, each moved one step further in its build."""
        now = self._clock.now()
        out = []
        for image in self._repo.images(account_id):
            advanced = image.advanced(now)
            if advanced != image:
                self._repo.save_image(advanced)
                if advanced.state is ImageState.FAILED:
                    self._write_log(advanced)
            out.append(advanced)
        return out

    def delete_image(self, account_id: str, image_uuid: str) -> FpgaImage:
        image = self._own(account_id, image_uuid)
        self._repo.delete_image(image_uuid)
        return image

    def update_image(
        self,
        account_id: str,
        image_uuid: str,
        *,
        name: str | None,
        description: str | None,
        tags: str | None,
    ) -> FpgaImage:
        image = self._own(account_id, image_uuid)
        updated = replace(
            image,
            name=image.name if name is None else name,
            description=image.description if description is None else description,
            tags=image.tags if tags is None else tags,
            updated_at=self._clock.now(),
        )
        self._repo.save_image(updated)
        return updated

    # -- publishing -----------------------------------------------------------------------

    def publish(self, account_id: str, image_uuid: str, image_id: str) -> FpgaImage:
        image = self._publishable(account_id, image_uuid)
        if image.state is not ImageState.SUCCESS:
            raise fpga_image_state_error()
        if image_id not in image.published_to:
            image = replace(image, published_to=(*image.published_to, image_id))
            self._repo.save_image(image)
        return image

    def unpublish(self, account_id: str, image_uuid: str, image_id: str) -> FpgaImage:
        image = self._publishable(account_id, image_uuid)
        if image_id not in image.published_to:
            raise fpga_image_not_found()
        image = replace(image, published_to=tuple(i for i in image.published_to if i != image_id))
        self._repo.save_image(image)
        return image

    def publications(self, account_id: str, image_id: str | None) -> list[tuple[FpgaImage, str]]:
        return [
            (image, published)
            for image in self._repo.images(account_id)
            for published in image.published_to
            if image_id is None or published == image_id
        ]

    # -- boards ---------------------------------------------------------------------------

    def instance_boards(
        self, account_id: str, instance_id: str, catalog: Catalog
    ) -> tuple[Instance, list[Board]]:
        return self._boards.instance_boards(account_id, instance_id, catalog)

    def board(
        self, account_id: str, instance_id: str, fpga_uuid: str, catalog: Catalog
    ) -> tuple[Instance, Board]:
        return self._boards.board(account_id, instance_id, fpga_uuid, catalog)

    def load(
        self,
        account_id: str,
        instance_id: str,
        fpga_uuid: str,
        image_uuid: str,
        catalog: Catalog,
    ) -> tuple[Instance, Board]:
        image = self._repo.find_image(image_uuid)
        return self._boards.load(account_id, instance_id, fpga_uuid, image, catalog)

    # -- helpers --------------------------------------------------------------------------

    def _own(self, account_id: str, image_uuid: str) -> FpgaImage:
        image = self._repo.find_image(image_uuid)
        if image is None or image.account_id != account_id:
            raise image_not_found()
        return image

    def _publishable(self, account_id: str, image_uuid: str) -> FpgaImage:
        image = self._repo.find_image(image_uuid)
        if image is None or image.account_id != account_id:
            raise fpga_image_not_found()
        return image

    def _write_log(self, image: FpgaImage) -> None:
        text = log_text(image.fpga_type, image.image_uuid, image.object_name, image.failure)
        # the bucket may have gone away (or been closed to us) since the build started
        with suppress(EcsError):
            self._objects.put_object(
                image.account_id,
                image.bucket,
                log_name(image.fpga_type, image.image_uuid),
                text.encode("utf-8"),
            )
