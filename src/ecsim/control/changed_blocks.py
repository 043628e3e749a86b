"""The blocks that changed between two snapshots of one disk (ecsim's own
DescribeSnapshotChangedBlocks, what incremental backup tools ask a block store for).

The engine keeps every snapshot as a full map of block hashes, so the answer is a comparison
of two maps: no block is read. Blocks absent from a map are zeros; a block that became zeros
(trimmed, or overwritten with zeros) has changed too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecsim.control.disk_rules import SnapshotRepository, require_accomplished, snapshot_not_ready
from ecsim.control.error_builders import fixed
from ecsim.storage import BlockStore
from ecsim.storage.base import SnapshotNotFound
from ecsim.store.base import Store

__all__ = ["ChangedBlocks", "SnapshotDiffs"]

_other_disks = fixed(
    "The specified snapshots were not taken of the same disk.",
    code="InvalidParameter.Mismatch",
    http_status=403,
)


@dataclass(frozen=True)
class ChangedBlocks:
    block_size: int
    # the disk's size when the second snapshot was taken, bytes
    volume_size: int
    # indices of the blocks that differ, ascending (offset = index * block_size)
    indices: list[int]


class SnapshotDiffs:
    def __init__(self, store: Store, blocks: BlockStore) -> None:
        self._blocks = blocks
        self._snapshots = SnapshotRepository(store)

    def between(self, account_id: str, first_id: str, second_id: str) -> ChangedBlocks:
        first = self._snapshots.get(account_id, first_id)
        second = self._snapshots.get(account_id, second_id)
        require_accomplished(first)
        require_accomplished(second)
        if first_id != second_id and (
            not first.source_disk_id or first.source_disk_id != second.source_disk_id
        ):
            raise _other_disks()
        try:
            info = self._blocks.snapshot_info(second_id)
            indices = self._blocks.changed_blocks(first_id, second_id)
        except SnapshotNotFound:  # a record the engine has no blocks for never completed
            raise snapshot_not_ready() from None
        return ChangedBlocks(info.block_size, info.size, indices)
