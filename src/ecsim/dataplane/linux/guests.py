"""Instances as Linux containers: their files on the host, their init, start and stop.

An instance's writable layer (``rootfs``: /root, /home, /var, /tmp ..., and the upper layer
of its /etc) lives in its system disk's file system, mounted (a loop device) only inside the
instance's mount namespace, so snapshots and images of the disk hold what was written in the
instance. Its directory under the data dir holds what the host stages for each boot
(``boot``), the mount point of the disk (``disk``), the markers the instance leaves for the
host (``signals``, its /run/ecsim), its console log and the pid of its launcher. Without a
system disk the layer is in the directory itself (``rootfs``, ``etc-upper``). ``start`` runs
``data/guest/start.sh`` in new mount, UTS, IPC and PID namespaces joined to the instance's
network namespace (made, with its default-deny gates, before this); the script mounts the
disk, builds the root and execs tini, which runs ``ecsim-init`` as the instance's services'
parent. Stop is SIGTERM to the instance's PID 1, then SIGKILL after a grace period.
Launchers run in their own session, so instances outlive a crash of the server; the next
server adopts them by the pid files.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ecsim.dataplane.linux import netns
from ecsim.dataplane.linux.guest_files import BASE, write_base, write_boot_files
from ecsim.dataplane.plan import InstancePlan

__all__ = ["Guests"]

log = logging.getLogger("ecsim.dataplane")

# how long an instance may take to stop after SIGTERM before it is killed
STOP_GRACE_SECONDS = 5.0
_CONSOLE_LIMIT = 64 * 1024
# what the instance's ``reboot`` leaves in its /run/ecsim (the directory's ``signals``)
_REBOOT = "reboot-requested"


def _tools_dir() -> Path:
    return Path(str(resources.files("ecsim") / "data" / "guest"))


_ENVIRONMENT = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}


@dataclass
class _Running:
    launcher: int
    # started by this server (reaped with waitpid), or adopted from a previous one
    child: bool
    # set when a stop was asked: the deadline for SIGKILL
    kill_at: float | None = None
    requested: bool = False
    # SIGKILL sent: asking again changes nothing (``poll`` still escalates an overdue stop)
    killed: bool = False


class Guests:
    def __init__(self, root: Path, prepare: Callable[[InstancePlan], None] | None = None) -> None:
        self._root = root
        # more for a boot, after its files are written (the disks its /dev shows)
        self._prepare = prepare
        self._tools = _tools_dir()
        self._start_script = (self._tools / "start.sh").read_text()
        self._running: dict[str, _Running] = {}
        # what all instances boot with alike, made at the first start
        self._base: Path | None = None
        # the instances this server has started (a restart may find the last boot's root
        # still being unmounted)
        self._started: set[str] = set()

    def directory(self, instance_id: str) -> Path:
        return self._root / instance_id

    def adopt(self, instance_id: str, netns_name: str) -> bool:
        """Take over an instance a previous server started (it survived that server)."""
        pid_file = self.directory(instance_id) / "launcher.pid"
        try:
            launcher = int(pid_file.read_text())
        except (OSError, ValueError):
            return False
        if not _alive(launcher) or not _in_netns(launcher, netns_name):
            return False
        self._running[instance_id] = _Running(launcher, child=False)
        return True

    def is_running(self, instance_id: str) -> bool:
        return instance_id in self._running

    def has_ended(self, instance_id: str) -> bool:
        """Whether a running instance's launcher has ended; unlike ``poll``, this reaps
        nothing and leaves the instance for ``poll`` to report."""
        running = self._running.get(instance_id)
        if running is None:
            return True
        if running.child:
            try:
                found = os.waitid(os.P_PID, running.launcher, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return True
            return found is not None
        return not _alive(running.launcher)

    def start(self, plan: InstancePlan) -> None:
        if self._base is None:
            write_base(self._root / BASE)
            self._base = self._root / BASE
        directory = self.directory(plan.instance_id)
        write_boot_files(directory, plan)
        for name in ("disk", "signals"):
            (directory / name).mkdir(exist_ok=True)
        # a stale request of a boot that was stopped before it ended would turn the next
        # power-off into a reboot
        (directory / "signals" / _REBOOT).unlink(missing_ok=True)
        if self._prepare is not None:
            self._prepare(plan)
        system = _system_image(plan, plan.instance_id in self._started)
        self._started.add(plan.instance_id)
        argv = [
            "nsenter",
            f"--net={netns.path_of(plan.netns)}",
            "--",
            "unshare",
            "--mount",
            "--uts",
            "--ipc",
            "--pid",
            "--fork",
            "--kill-child",
            "--",
            "/bin/sh",
            "-c",
            self._start_script,
            "start",
            str(directory),
            str(self._tools),
            str(self._base),
            *system,
        ]
        # posix_spawn (vfork underneath) rather than fork: the server's process is large,
        # and copying its page tables for every launch would cost more than the launch;
        # a session of its own, so the instance outlives a crash of the server
        launcher = os.posix_spawnp(
            "nsenter",
            argv,
            _ENVIRONMENT,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                (
                    os.POSIX_SPAWN_OPEN,
                    1,
                    str(directory / "console.log"),
                    os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                    0o600,
                ),
                (os.POSIX_SPAWN_DUP2, 1, 2),
            ],
            setsid=True,
        )
        (directory / "launcher.pid").write_text(str(launcher))
        self._running[plan.instance_id] = _Running(launcher, child=True)

    def init_pid(self, instance_id: str) -> int | None:
        """The instance's PID 1 as the host sees it (the launcher's child)."""
        running = self._running.get(instance_id)
        if running is None:
            return None
        children = Path(f"/proc/{running.launcher}/task/{running.launcher}/children")
        for _ in range(100):
            try:
                found = children.read_text().split()
            except OSError:
                return None
            if found:
                return int(found[0])
            if not _alive(running.launcher):
                return None  # ended (not reaped yet): no init to wait for
            time.sleep(0.01)
        return None

    def booted_pid(self, instance_id: str, timeout: float = 2.0) -> int | None:
        """PID 1 once the instance's root is in place (it has become tini): before that, PID 1
        is still the start script, whose root is the host's, and nothing may enter it."""
        deadline = time.monotonic() + timeout
        while True:
            pid = self.init_pid(instance_id)
            if pid is None:
                return None
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "tini":
                    return pid
            except OSError:
                return None
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.005)

    def stop(self, instance_id: str, *, force: bool = False) -> None:
        running = self._running.get(instance_id)
        if running is None or (running.requested and not force) or running.killed:
            return
        running.requested = True
        pid = self.init_pid(instance_id)
        if force or pid is None:
            _signal(pid or running.launcher, signal.SIGKILL)
            running.kill_at, running.killed = time.monotonic(), True
        else:
            _signal(pid, signal.SIGTERM)
            running.kill_at = time.monotonic() + STOP_GRACE_SECONDS

    def wait_stopped(self, instance_id: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.is_running(instance_id) and time.monotonic() < deadline:
            self.poll()
            time.sleep(0.01)
        return not self.is_running(instance_id)

    def poll(self) -> list[tuple[str, bool]]:
        """Instances whose init has ended since the last poll: (id, whether it was asked to
        stop). Overdue stops are escalated to SIGKILL."""
        ended: list[tuple[str, bool]] = []
        now = time.monotonic()
        for instance_id, running in list(self._running.items()):
            if _ended(running):
                del self._running[instance_id]
                ended.append((instance_id, running.requested))
            elif running.kill_at is not None and now >= running.kill_at:
                pid = self.init_pid(instance_id)
                _signal(pid or running.launcher, signal.SIGKILL)
                running.kill_at = now + STOP_GRACE_SECONDS
        return ended

    def reboot_requested(self, instance_id: str) -> bool:
        try:
            (self.directory(instance_id) / "signals" / _REBOOT).unlink()
        except FileNotFoundError:
            return False
        return True

    def console_output(self, instance_id: str) -> bytes:
        path = self.directory(instance_id) / "console.log"
        try:
            with path.open("rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                handle.seek(max(0, size - _CONSOLE_LIMIT))
                return handle.read()
        except OSError:
            return b""

    def known(self) -> list[str]:
        if not self._root.is_dir():
            return []
        return sorted(
            p.name for p in self._root.iterdir() if p.is_dir() and not p.name.startswith(".")
        )

    def remove(self, instance_id: str) -> None:
        """Delete a released instance's files (it is not running)."""
        shutil.rmtree(self.directory(instance_id), ignore_errors=True)

    def stop_all(self, timeout: float) -> None:
        for instance_id in list(self._running):
            self.stop(instance_id)
        deadline = time.monotonic() + timeout
        while self._running and time.monotonic() < deadline:
            self.poll()
            time.sleep(0.02)
        for instance_id in list(self._running):
            self.stop(instance_id, force=True)
        while self._running and time.monotonic() < deadline + 2:
            self.poll()
            time.sleep(0.02)


def _system_image(plan: InstancePlan, again: bool) -> list[str]:
    """start.sh's arguments for the system disk: its image (resolved: sysfs names a loop
    device's backing file so), and how it stands: ``blank`` (no block ever written: nothing
    to probe, it wants a file system), ``again`` (this server booted it before: that boot's
    file system may still be on its way down), or neither."""
    if plan.system_disk is None:
        return []
    image = plan.system_disk.image.resolve()
    try:
        blank = image.stat().st_blocks == 0
    except OSError:
        return []  # gone since the plan was made: the instance is on its way out
    return [str(image), "blank" if blank else "again" if again else ""]


def _signal(pid: int, number: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, number)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _ended(running: _Running) -> bool:
    if running.child:
        try:
            pid, _ = os.waitpid(running.launcher, os.WNOHANG)
        except ChildProcessError:
            return True
        return pid != 0
    return not _alive(running.launcher)


def _in_netns(pid: int, name: str) -> bool:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(netns.path_of(name)).st_ino
    except OSError:
        return False
