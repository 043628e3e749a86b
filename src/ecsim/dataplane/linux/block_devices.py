"""Disks inside instances: each data disk a loop device over its image, shown as /dev/vdb,
/dev/vdc ...; the system disk, mounted as the instance's root by start.sh, /dev/vda.

An instance has no udev, so ecsim makes its disk nodes: ``start.sh`` at boot, from the
instance directory's ``disks`` file (written here before every start), and, in a running
instance, a script run inside all its namespaces (``nsenter``: the paths it controls lead only
into its own files) after a hot attach or detach and after its partition table changed. The
instance's partitioning tools (fdisk, sfdisk, ...) are wrapped to ask for that with the marker
/run/ecsim/disks-changed (the instance directory's ``signals``) and to wait until the host has
removed it, so ``mkfs.ext4 /dev/vdb1`` right after fdisk finds its node (guide §3).

A grown disk's device shows its new size at once after an online ResizeDisk (the plan's
``DiskPort.size``), after an offline one at the instance's next boot; its file systems are
the guest's to grow (resize2fs), as on ECS. The system disk's root is ``system_disk``'s.

Partitions are the kernel's (loopNpM) where it reads partition tables; under a kernel built
without that, each partition gets a loop device of its own over the image at its offset.
Loop devices are detached once their instance has ended; one still open (a disk hot-detached
while mounted inside) goes at its last close, as the system disk's does (``mount -o loop``
marks it so) once the instance's mount namespace is gone. A snapshot of an attached disk is
taken with the file systems mounted from it frozen (``fsfreeze``), so it holds a clean file
system.
"""

from __future__ import annotations

import logging
import re
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ecsim.dataplane.linux import filesystems, loops, system_disk
from ecsim.dataplane.linux.disk_nodes import marked, node_script, unmark
from ecsim.dataplane.linux.loops import Dev, Loop
from ecsim.dataplane.plan import DiskPort, InstancePlan

__all__ = ["BlockDevices"]

log = logging.getLogger("ecsim.dataplane")

_ENVIRONMENT = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
# how long ``poll`` waits before it tries a failed instance again
_RETRY_SECONDS = 5.0
_DEVICE_NAME = re.compile(r"[a-z]+[0-9]*")


@dataclass
class _Disk:
    port: DiskPort
    image: Path  # resolved, as sysfs names backing files
    whole: Loop
    # partitions as loop devices of their own (a kernel that reads no partition tables),
    # by their (offset, size) in the image
    parts: dict[tuple[int, int], Loop] = field(default_factory=dict)
    # every partition's device, by number
    partitions: dict[int, Dev] = field(default_factory=dict)
    # bytes the device is known to show at least: an online resize past it grows the device
    shown_size: int = 0

    def loops(self) -> list[Loop]:
        return [*self.parts.values(), self.whole]


@dataclass
class _Instance:
    directory: Path
    # the system disk its root is mounted from, and the size its root is known to show at
    # least (as for ``_Disk.shown_size``)
    system: DiskPort | None = None
    system_size: int = 0
    ports: tuple[DiskPort, ...] = ()
    disks: dict[str, _Disk] = field(default_factory=dict)
    # the nodes its /dev should have, and those it has (None: unknown, after a restart)
    nodes: dict[str, Dev] = field(default_factory=dict)
    shown: dict[str, Dev] | None = field(default_factory=dict)
    # loop devices to detach once no node of the instance leads to them
    retired: list[Loop] = field(default_factory=list)
    # after a failure, ``poll`` leaves the instance alone until then (monotonic seconds)
    quiet_until: float = 0.0


class BlockDevices:
    def __init__(
        self, root: Path, images: Path | None, pid_of: Callable[[str], int | None]
    ) -> None:
        self._root = root
        # this server's disk images: a loop device over one that no instance holds is stale
        self._images = images.resolve() if images is not None else None
        # a running instance's PID 1 once its root is built (None otherwise)
        self._pid_of = pid_of
        self._held: dict[str, _Instance] = {}
        # the images roots were mounted from, by disk id (kept once their instance has ended:
        # its file system may still be on its way down)
        self._roots: dict[str, Path] = {}
        # disk id -> (the PID entered, the mount points frozen) while a snapshot reads it
        self._frozen: dict[str, tuple[int, list[str]]] = {}

    # -- an instance's life ------------------------------------------------------------------

    def prepare(self, plan: InstancePlan) -> None:
        """Before a boot: the plan's disks attached, and the ``disks`` file start.sh reads."""
        held = self._held.setdefault(plan.instance_id, _Instance(self._root / plan.instance_id))
        held.system = plan.system_disk
        self._remember_root(held)
        system_disk.stage_root(held.directory, plan.system_disk)
        # the boot mounts the root afresh: it shows the whole image
        held.system_size = plan.system_disk.size if plan.system_disk is not None else 0
        self._converge(held, plan.disks)
        for disk in held.disks.values():
            # devices kept from the last boot (a reboot) show what an offline resize grew
            disk.shown_size = loops.grow(disk.whole, loops.file_size(disk.image))
        # the boot makes a fresh /dev: nothing leads to retired devices any more
        _detach(held.retired)
        held.retired = []
        _write_list(held)
        held.shown = dict(held.nodes)
        unmark(held.directory)

    def adopt(self, plan: InstancePlan) -> None:
        """After a restart of the server: a running instance's loop devices, as they are."""
        held = _Instance(self._root / plan.instance_id, plan.system_disk, shown=None)
        self._remember_root(held)
        attached = loops.loop_devices()
        for port in plan.disks:
            image = port.image.resolve()
            mine = [loop for loop in attached if loops.backed_by(loop, image)]
            wholes = [loop for loop in mine if loop.offset == 0 and loop.size_limit == 0]
            if not wholes:
                continue  # attached by the next converge
            disk = _Disk(port, image, wholes[0])
            disk.parts = {(loop.offset, loop.size_limit): loop for loop in mine if loop.offset}
            held.retired.extend(wholes[1:])
            held.disks[port.disk_id] = disk
            self._partitions(held, disk)
        held.ports = tuple(disk.port for disk in held.disks.values())
        held.nodes = _nodes(held)
        self._held[plan.instance_id] = held
        pid = self._pid_of(plan.instance_id)
        if pid is not None:
            images = {disk.image for disk in held.disks.values()}
            if held.system is not None:
                images.add(held.system.image.resolve())
            devices = {x.dev for x in attached if any(loops.backed_by(x, i) for i in images)}
            filesystems.thaw_left_frozen(pid, devices)

    def converge(self, plan: InstancePlan) -> None:
        """A running instance after an API change: hot attach and detach."""
        held = self._held.get(plan.instance_id)
        if held is None:
            return  # not started yet: ``prepare`` does it
        if held.ports != plan.disks:
            self._converge(held, plan.disks)
            _write_list(held)  # what a reboot shows
        self._grow_online(held, plan.system_disk)
        self._show(plan.instance_id, held)

    def release(self, instance_id: str) -> None:
        """The instance has ended: its loop devices go."""
        held = self._held.pop(instance_id, None)
        if held is not None:
            _detach([*held.retired, *(loop for d in held.disks.values() for loop in d.loops())])

    def poll(self) -> None:
        """Partition tables changed inside (the marker), and nodes still to be shown."""
        for instance_id, held in list(self._held.items()):
            if not held.disks and held.shown == held.nodes and not held.retired:
                continue
            if held.quiet_until > time.monotonic():
                continue
            try:
                if held.disks and marked(held.directory):
                    for disk in held.disks.values():
                        self._partitions(held, disk)
                    held.nodes = _nodes(held)
                    _write_list(held)
                    if self._show(instance_id, held):
                        unmark(held.directory)
                elif held.shown != held.nodes or held.retired:
                    self._show(instance_id, held)
            except Exception:
                log.exception("data plane: disks of %s failed; retried in a while", instance_id)
                held.quiet_until = time.monotonic() + _RETRY_SECONDS

    def sweep(self) -> None:
        """Detach this server's loop devices that no instance holds (left by a crash)."""
        if self._images is None:
            return
        kept = {
            loop.name
            for held in self._held.values()
            for loop in [*held.retired, *(x for d in held.disks.values() for x in d.loops())]
        }
        # the instances' roots (their mounts hold them; they go with them)
        roots = [h.system.image.resolve() for h in self._held.values() if h.system is not None]
        prefix = f"{self._images}/"
        stale = [
            loop
            for loop in loops.loop_devices()
            if loop.name not in kept
            and loop.backing.startswith(prefix)
            and not any(loops.backed_by(loop, image) for image in roots)
        ]
        _detach(stale)

    def holder(self, disk_id: str) -> str | None:
        """The instance whose loop devices show the disk (or whose root is on it)."""
        for instance_id, held in self._held.items():
            if disk_id in held.disks or (held.system and held.system.disk_id == disk_id):
                return instance_id
        return None

    def wait_root_gone(self, disk_id: str, timeout: float) -> bool:
        """Wait until the root file system an ended instance mounted from the disk is gone
        (unmounted, written out, its loop device detached)."""
        image = self._roots.get(disk_id)
        return image is None or self.wait_unbound([image], timeout)

    def wait_unbound(self, images: list[Path] | None, timeout: float) -> bool:
        """Wait until no loop device reads any of ``images`` (None: any of this server's),
        as a root's goes once its file system is unmounted and written out; False when some
        still does after ``timeout``."""
        wanted = [image.resolve() for image in images or ()]
        prefix = f"{self._images}/"

        def bound(loop: Loop) -> bool:
            if images is None:
                return self._images is not None and loop.backing.startswith(prefix)
            return any(loops.backed_by(loop, image) for image in wanted)

        deadline = time.monotonic() + timeout
        while any(bound(loop) for loop in loops.loop_devices()):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    # -- snapshots ---------------------------------------------------------------------------

    def freeze(self, disk_id: str) -> None:
        """Freeze the file systems the running instance has mounted from the disk."""
        instance_id = self.holder(disk_id)
        pid = self._pid_of(instance_id) if instance_id is not None else None
        if instance_id is None or pid is None:
            return
        held = self._held[instance_id]
        disk = held.disks.get(disk_id)
        if disk is not None:
            devices = {disk.whole.dev, *disk.partitions.values()}
        elif held.system is not None:
            # the root's loop device, when its root is on the disk (not a host directory,
            # whose file system is the host's own: never frozen)
            image = held.system.image.resolve()
            devices = {x.dev for x in loops.loop_devices() if loops.backed_by(x, image)}
        else:
            return
        mounted = filesystems.mount_points(pid, devices)
        frozen = [mp for mp in mounted if filesystems.fsfreeze(pid, "--freeze", mp)]
        if frozen:
            self._frozen[disk_id] = (pid, frozen)

    def thaw(self, disk_id: str) -> None:
        pid, frozen = self._frozen.pop(disk_id, (0, []))
        for mount_point in frozen:
            filesystems.fsfreeze(pid, "--unfreeze", mount_point)

    # -- helpers -----------------------------------------------------------------------------

    def _remember_root(self, held: _Instance) -> None:
        if held.system is not None:
            self._roots[held.system.disk_id] = held.system.image.resolve()

    def _converge(self, held: _Instance, ports: tuple[DiskPort, ...]) -> None:
        wanted = {port.disk_id: port for port in ports}
        for disk_id, disk in list(held.disks.items()):
            port = wanted.get(disk_id)
            if port is None or _where(port) != _where(disk.port):
                held.retired.extend(disk.loops())
                del held.disks[disk_id]
            else:
                disk.port = port  # its size aside, the same: the device stays
        for port in ports:
            if port.disk_id in held.disks or not _DEVICE_NAME.fullmatch(port.device):
                continue
            image = port.image.resolve()
            # always a device of its own: one left over (detached while mounted) may still
            # carry the previous instance's writes
            disk = _Disk(port, image, loops.attach(image))
            held.disks[port.disk_id] = disk
            self._partitions(held, disk)
        held.ports = ports
        held.nodes = _nodes(held)

    def _grow_online(self, held: _Instance, system: DiskPort | None) -> None:
        """Devices of the running instance show what online resizes grew their disks to."""
        for disk in held.disks.values():
            if disk.port.size > disk.shown_size:
                loops.grow(disk.whole, disk.port.size)
                disk.shown_size = disk.port.size
        if system is not None and system.size > held.system_size:
            system_disk.grow_root(system)
            held.system_size = system.size

    def _partitions(self, held: _Instance, disk: _Disk) -> None:
        """The disk's partitions as they are written now: the kernel's, or loop devices."""
        kernel = loops.kernel_partitions(disk.whole)
        table = {} if kernel else loops.partition_table(disk.image)
        windows = set(table.values())
        for window, loop in list(disk.parts.items()):
            if window not in windows:
                held.retired.append(loop)
                del disk.parts[window]
        for offset, size in table.values():
            if (offset, size) not in disk.parts:
                disk.parts[offset, size] = loops.attach(disk.image, offset=offset, size=size)
        disk.partitions = kernel or {n: disk.parts[w].dev for n, w in table.items()}

    def _show(self, instance_id: str, held: _Instance) -> bool:
        """Make the running instance's /dev hold ``held.nodes``; then retired devices go."""
        if held.shown != held.nodes:
            pid = self._pid_of(instance_id)
            if pid is None:
                return False  # not booted (yet, or any more): retried by ``poll``
            done = subprocess.run(
                ["nsenter", "-t", str(pid), "-a", "/bin/sh", "-c", node_script(held.nodes)],
                capture_output=True,
                text=True,
                env=_ENVIRONMENT,
                check=False,
                timeout=30,
            )
            if done.returncode != 0:
                raise OSError(f"disk nodes of {instance_id}: {done.stderr.strip()}")
            held.shown = dict(held.nodes)
        _detach(held.retired)
        held.retired = []
        return True


def _where(port: DiskPort) -> tuple[str, Path, str]:
    """A disk port but its size: a change of size alone keeps the device."""
    return port.disk_id, port.image, port.device


def _nodes(held: _Instance) -> dict[str, Dev]:
    nodes: dict[str, Dev] = {}
    for disk in held.disks.values():
        nodes[disk.port.device] = disk.whole.dev
        for number, dev in disk.partitions.items():
            nodes[f"{disk.port.device}{number}"] = dev
    return nodes


def _write_list(held: _Instance) -> None:
    text = "".join(f"{name} {major} {minor}\n" for name, (major, minor) in held.nodes.items())
    (held.directory / "disks").write_text(text)


def _detach(retired: Iterable[Loop]) -> None:
    for loop in retired:
        try:
            loops.detach(loop)
        except OSError:
            log.exception("data plane: detaching %s failed", loop.name)
