"""The system disk's root file system: where ``start.sh`` mounts it from, and its growth while
the instance runs.

``start.sh`` mounts the whole disk as ext4 (ecsim's own system disks; a blank one it formats)
unless the instance directory's ``root-layer`` says otherwise: the root's file system type,
its window in the image (offset and size in bytes; 0 0: the whole image) and the name of its
device in the instance's /dev (``vda1`` for partition 1). That is worked out at every boot
(``root_layer``), so a disk partitioned elsewhere (ImportImage of a distribution's disk) boots
from its root partition. Such a root's loop device covers the partition only: the instance
has no whole-disk ``vda`` beside ``vda1`` (this host's kernel may read no partition tables,
and the root is mounted from its own window, not a partition of a disk device).

An online ResizeDisk of the system disk reaches the root's loop device (the one ``mount -o
loop`` made for the instance's namespace): it reads the image's size again, and
``resize2fs /dev/vda`` inside grows the mounted root. A root on a partition is left as it is:
the partition's size is in the table, which the disk's growth does not change.
"""

from __future__ import annotations

from pathlib import Path

from ecsim.dataplane.linux import loops
from ecsim.dataplane.plan import DiskPort
from ecsim.dataplane.root_layer import RootLayer, file_reader, find_root

__all__ = ["ROOT_LAYER", "grow_root", "stage_root"]

# in the instance directory: what start.sh mounts as the root, when not the whole disk's ext4
ROOT_LAYER = "root-layer"
_DISK = "vda"


def stage_root(directory: Path, port: DiskPort | None) -> RootLayer | None:
    """Before a boot: write (or remove) the directory's ``root-layer``; the layer found."""
    layer = _root_of(port.image.resolve()) if port is not None else None
    path = directory / ROOT_LAYER
    if layer is None:
        path.unlink(missing_ok=True)
    else:
        name = _DISK if layer.number is None else f"{_DISK}{layer.number}"
        path.write_text(f"{layer.fstype} {layer.offset} {layer.size} {name}\n")
    return layer


def grow_root(port: DiskPort) -> None:
    """The running instance's root, when it is the whole disk, shows at least ``port.size``
    (the image has grown to it)."""
    image = port.image.resolve()
    for loop in loops.loop_devices():
        if loop.offset == 0 and loop.size_limit == 0 and loops.backed_by(loop, image):
            loops.grow(loop, port.size)


def _root_of(image: Path) -> RootLayer | None:
    try:
        if image.stat().st_blocks == 0:
            return None  # never written: start.sh formats it
        return find_root(file_reader(image), lambda: loops.partition_table(image))
    except OSError:
        return None  # gone since the plan was made: the instance is on its way out
