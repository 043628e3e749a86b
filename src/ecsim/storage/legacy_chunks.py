"""Stores written before packs kept one file per block under ``chunks/ab/cd/<hash>``.

Opening such a store moves those blocks into one pack (whole records; their manifests are
unchanged, since a block's digest does not depend on how it is stored) and then removes the
old files. A crash part-way leaves the chunk files in place and the next open repeats it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ecsim.storage.atomic import is_temp
from ecsim.storage.block_records import BlockRecords
from ecsim.storage.encoding import block_hash
from ecsim.storage.packs import Kind

__all__ = ["import_legacy_chunks"]


def import_legacy_chunks(directory: Path, records: BlockRecords) -> int:
    """Blocks moved from ``directory`` into a pack; a chunk whose bytes no longer match its
    name is left out (verify reports the blocks its manifests then miss)."""
    if not directory.is_dir():
        return 0
    moved = 0
    with records.session() as session:
        for path in sorted(directory.glob("*/*/*")):
            if not path.is_file() or is_temp(path) or session.has(path.name):
                continue
            data = path.read_bytes()
            if block_hash(data) == path.name:
                session.put(path.name, Kind.WHOLE, None, data)
                moved += 1
    shutil.rmtree(directory)
    return moved
