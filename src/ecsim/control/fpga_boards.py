"""The FPGA boards of f1/f3 instances: finding them, loading images onto them, their status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.fpga_errors import (
    another_task_running,
    fpga_not_found,
    image_access_error,
    image_not_found_for_load,
    image_not_in_success_state,
    instance_invalidate,
    no_access_to_instance,
    not_authorized,
    shell_not_match,
)
from ecsim.control.fpga_repository import FpgaRepository
from ecsim.errors import EcsError
from ecsim.model.fpga import (
    Board,
    BoardLoad,
    FpgaImage,
    ImageState,
    LoadStatus,
    boards_of,
    fpga_type_of_spec,
)
from ecsim.model.instance import Instance
from ecsim.settings import Limits
from ecsim.store.base import Store

__all__ = ["FpgaBoards"]


class FpgaBoards:
    def __init__(self, store: Store, repo: FpgaRepository, clock: Clock, limits: Limits) -> None:
        self._repo = repo
        self._clock = clock
        self._limits = limits
        self._instances = InstanceRepository(store)

    def instance_boards(
        self, account_id: str, instance_id: str, catalog: Catalog
    ) -> tuple[Instance, list[Board]]:
        """The boards with their status; looking at a load finishes it."""
        instance, boards = self._boards(account_id, instance_id, catalog, not_authorized)
        return instance, [self._observed(board) for board in boards]

    def board(
        self, account_id: str, instance_id: str, fpga_uuid: str, catalog: Catalog
    ) -> tuple[Instance, Board]:
        instance, boards = self._boards(account_id, instance_id, catalog, not_authorized)
        return instance, self._observed(_pick(boards, fpga_uuid))

    def load(
        self,
        account_id: str,
        instance_id: str,
        fpga_uuid: str,
        image: FpgaImage | None,
        catalog: Catalog,
    ) -> tuple[Instance, Board]:
        instance, boards = self._boards(account_id, instance_id, catalog, no_access_to_instance)
        board = _pick(boards, fpga_uuid)
        if image is None:
            raise image_not_found_for_load()
        if not image.loadable_by(account_id):
            raise image_access_error()
        if image.state is not ImageState.SUCCESS:
            raise image_not_in_success_state()
        if image.fpga_type is not board.fpga_type or image.shell_uuid != board.shell_uuid:
            raise shell_not_match()
        if board.status is LoadStatus.OPERATING:
            raise another_task_running()
        previous = board.load.loaded_image if board.load else ""
        load = BoardLoad(
            fpga_uuid=board.fpga_uuid,
            instance_id=instance.instance_id,
            account_id=instance.account_id,
            region_id=instance.region_id,
            loaded_image=previous,
            pending_image=image.image_uuid,
            status=LoadStatus.OPERATING,
            started_at=self._clock.now(),
        )
        self._repo.save_load(load)
        return instance, replace(board, load=load)

    # -- helpers --------------------------------------------------------------------------

    def _boards(
        self,
        account_id: str,
        instance_id: str,
        catalog: Catalog,
        refused: Callable[[], EcsError],
    ) -> tuple[Instance, list[Board]]:
        instance = self._instances.find(instance_id)
        if instance is None or instance.account_id != account_id:
            raise refused()
        instance_type = catalog.instance_type(instance.instance_type)
        accelerator = instance_type.fpga if instance_type else None
        fpga_type = fpga_type_of_spec(accelerator.spec) if accelerator else None
        if accelerator is None or fpga_type is None or accelerator.amount < 1:
            raise instance_invalidate()
        now = self._clock.now()
        boards = []
        for board in boards_of(instance.instance_id, fpga_type, accelerator.amount):
            load = self._repo.find_load(board.fpga_uuid)
            if load is not None:
                settled = load.settled(now, self._limits.fpga_load_timeout_seconds)
                if settled != load:
                    self._repo.save_load(settled)
                load = settled
            boards.append(replace(board, load=load))
        return instance, boards

    def _observed(self, board: Board) -> Board:
        if board.load is None or board.load.status is not LoadStatus.OPERATING:
            return board
        finished = board.load.finished()
        self._repo.save_load(finished)
        return replace(board, load=finished)


def _pick(boards: list[Board], fpga_uuid: str) -> Board:
    for board in boards:
        if board.fpga_uuid == fpga_uuid:
            return board
    raise fpga_not_found()
