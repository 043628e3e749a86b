"""FPGA images and the FPGA boards of f1/f3 instances: the domain of FPGA as a Service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

__all__ = [
    "BOARD_SHELL",
    "SUPPORTED_SHELLS",
    "Board",
    "BoardLoad",
    "FpgaImage",
    "FpgaType",
    "ImageState",
    "LoadStatus",
    "boards_of",
    "fpga_type_of_spec",
]


class FpgaType(Enum):
    INTEL = "intel"
    XILINX = "xilinx"


class ImageState(Enum):
    QUEUED = "queued"
    COMPILING = "compiling"
    SUCCESS = "success"
    FAILED = "failed"


class LoadStatus(Enum):
    # no image was ever loaded onto the board
    NONE = "none"
    OPERATING = "operating"
    VALID = "valid"


# The shell (the static region every image is built against) versions the service builds
# for, and the one each board kind ships with; an image loads only onto its own shell.
SUPPORTED_SHELLS: dict[FpgaType, tuple[str, ...]] = {
    FpgaType.INTEL: ("V1.0", "V1.1"),
    FpgaType.XILINX: ("V1.0", "V1.1"),
}
BOARD_SHELL: dict[FpgaType, str] = {FpgaType.INTEL: "V1.1", FpgaType.XILINX: "V1.0"}

# Boards get stable uuids from their instance, so they need no record until something loads.
_BOARD_NAMESPACE = uuid.UUID("6f1a9c52-3e7b-4d0a-9b61-5c2f8e4a7d13")


def fpga_type_of_spec(spec: str) -> FpgaType | None:
    """The catalog's FPGASpec ("Intel Arria 10 GX 1150", "Xilinx VU9P") as a board kind."""
    lowered = spec.lower()
    if lowered.startswith("intel"):
        return FpgaType.INTEL
    if lowered.startswith("xilinx"):
        return FpgaType.XILINX
    return None


@dataclass(frozen=True)
class FpgaImage:
    image_uuid: str
    account_id: str
    region_id: str
    name: str
    description: str
    tags: str
    shell_uuid: str
    fpga_type: FpgaType
    encrypted: bool
    key_id: str
    bucket: str
    object_name: str
    state: ImageState
    # why the build fails ("" when it succeeds); decided when the design is checked
    failure: str
    created_at: datetime
    updated_at: datetime
    # ECS image ids the image is published with
    published_to: tuple[str, ...] = ()

    def advanced(self, now: datetime) -> FpgaImage:
        """One step of the build: queued -> compiling -> success or failed."""
        if self.state is ImageState.QUEUED:
            return replace(self, state=ImageState.COMPILING, updated_at=now)
        if self.state is ImageState.COMPILING:
            final = ImageState.FAILED if self.failure else ImageState.SUCCESS
            return replace(self, state=final, updated_at=now)
        return self

    def loadable_by(self, account_id: str) -> bool:
        # a published image is offered to every account (the marketplace)
        return self.account_id == account_id or bool(self.published_to)


@dataclass(frozen=True)
class BoardLoad:
    """What was last asked of a board: kept in the store, keyed by the board's uuid."""

    fpga_uuid: str
    instance_id: str
    account_id: str
    region_id: str
    # the image on the board once the load is done ("" before any load finished)
    loaded_image: str
    pending_image: str
    status: LoadStatus
    started_at: datetime | None

    def settled(self, now: datetime, timeout_seconds: int) -> BoardLoad:
        """A load left operating past the timeout has ended by itself."""
        if (
            self.status is LoadStatus.OPERATING
            and self.started_at is not None
            and now - self.started_at >= timedelta(seconds=timeout_seconds)
        ):
            return self.finished()
        return self

    def finished(self) -> BoardLoad:
        if self.status is not LoadStatus.OPERATING:
            return self
        return replace(
            self, loaded_image=self.pending_image, pending_image="", status=LoadStatus.VALID
        )


@dataclass(frozen=True)
class Board:
    fpga_uuid: str
    instance_id: str
    fpga_type: FpgaType
    shell_uuid: str
    # PCI address of the board inside the instance
    device_bdf: str
    load: BoardLoad | None = None

    @property
    def status(self) -> LoadStatus:
        return self.load.status if self.load else LoadStatus.NONE

    @property
    def image_uuid(self) -> str:
        if self.load is None:
            return ""
        return self.load.pending_image or self.load.loaded_image


def boards_of(instance_id: str, fpga_type: FpgaType, amount: int) -> list[Board]:
    """The boards of an instance, the same on every call."""
    return [
        Board(
            fpga_uuid=str(uuid.uuid5(_BOARD_NAMESPACE, f"{instance_id}/{index}")),
            instance_id=instance_id,
            fpga_type=fpga_type,
            shell_uuid=BOARD_SHELL[fpga_type],
            device_bdf=f"0000:00:{8 + index:02x}.0",
        )
        for index in range(amount)
    ]
