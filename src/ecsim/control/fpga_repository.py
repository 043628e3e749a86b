"""FPGA images, board loads and the last image request of each account, in the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ecsim.model.fpga import BoardLoad, FpgaImage, FpgaType, ImageState, LoadStatus
from ecsim.store.base import ResourceRecord, Store

__all__ = ["FAAS_REGION", "FpgaRepository"]

IMAGE_KIND = "fpga_image"
LOAD_KIND = "fpga_board_load"
REQUEST_KIND = "fpga_image_request"
# FaaS keeps one list per account whatever the region the client signs for.
FAAS_REGION = "global"


class FpgaRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    # -- images ---------------------------------------------------------------------------

    def find_image(self, image_uuid: str) -> FpgaImage | None:
        record = self._store.get_resource(IMAGE_KIND, image_uuid)
        return _decode_image(record) if record else None

    def images(self, account_id: str) -> list[FpgaImage]:
        found = self._store.list_decoded(IMAGE_KIND, account_id, FAAS_REGION, _decode_image)
        return sorted(found, key=lambda image: (image.created_at, image.image_uuid))

    def save_image(self, image: FpgaImage) -> None:
        self._store.put_resource(_encode_image(image), decoded=image)

    def delete_image(self, image_uuid: str) -> None:
        self._store.delete_resource(IMAGE_KIND, image_uuid)

    # -- board loads ----------------------------------------------------------------------

    def find_load(self, fpga_uuid: str) -> BoardLoad | None:
        record = self._store.get_resource(LOAD_KIND, fpga_uuid)
        return _decode_load(record) if record else None

    def save_load(self, load: BoardLoad) -> None:
        self._store.put_resource(_encode_load(load), decoded=load)

    # -- the request window ---------------------------------------------------------------

    def last_request(self, account_id: str) -> datetime | None:
        record = self._store.get_resource(REQUEST_KIND, account_id)
        return datetime.fromisoformat(record.body["at"]) if record else None

    def record_request(self, account_id: str, at: datetime) -> None:
        self._store.put_resource(
            ResourceRecord(
                REQUEST_KIND, account_id, account_id, FAAS_REGION, {"at": at.isoformat()}
            )
        )


def _encode_image(image: FpgaImage) -> ResourceRecord:
    body: dict[str, Any] = {
        "name": image.name,
        "description": image.description,
        "tags": image.tags,
        "shell_uuid": image.shell_uuid,
        "fpga_type": image.fpga_type.value,
        "encrypted": image.encrypted,
        "key_id": image.key_id,
        "bucket": image.bucket,
        "object": image.object_name,
        "state": image.state.value,
        "failure": image.failure,
        "created_at": image.created_at.isoformat(),
        "updated_at": image.updated_at.isoformat(),
        "published_to": list(image.published_to),
    }
    return ResourceRecord(IMAGE_KIND, image.image_uuid, image.account_id, image.region_id, body)


def _decode_image(record: ResourceRecord) -> FpgaImage:
    body = record.body
    return FpgaImage(
        image_uuid=record.resource_id,
        account_id=record.account_id,
        region_id=record.region_id,
        name=body["name"],
        description=body["description"],
        tags=body["tags"],
        shell_uuid=body["shell_uuid"],
        fpga_type=FpgaType(body["fpga_type"]),
        encrypted=body["encrypted"],
        key_id=body["key_id"],
        bucket=body["bucket"],
        object_name=body["object"],
        state=ImageState(body["state"]),
        failure=body["failure"],
        created_at=datetime.fromisoformat(body["created_at"]),
        updated_at=datetime.fromisoformat(body["updated_at"]),
        published_to=tuple(body["published_to"]),
    )


def _encode_load(load: BoardLoad) -> ResourceRecord:
    body: dict[str, Any] = {
        "instance_id": load.instance_id,
        "loaded_image": load.loaded_image,
        "pending_image": load.pending_image,
        "status": load.status.value,
        "started_at": load.started_at.isoformat() if load.started_at else None,
    }
    return ResourceRecord(LOAD_KIND, load.fpga_uuid, load.account_id, load.region_id, body)


def _decode_load(record: ResourceRecord) -> BoardLoad:
    body = record.body
    started = body["started_at"]
    return BoardLoad(
        fpga_uuid=record.resource_id,
        instance_id=body["instance_id"],
        account_id=record.account_id,
        region_id=record.region_id,
        loaded_image=body["loaded_image"],
        pending_image=body["pending_image"],
        status=LoadStatus(body["status"]),
        started_at=datetime.fromisoformat(started) if started else None,
    )
