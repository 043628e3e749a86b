"""Network namespaces: create, remove, list, and run code inside one.

``entered`` switches the *calling thread* into a namespace and back. Netlink and nftables
sockets belong to the namespace they were opened in, so a socket opened inside keeps working
there after the thread has come back; the server opens what it needs this way instead of
starting a process per change.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["NETNS_DIR", "create", "entered", "exists", "listed", "path_of", "remove"]

NETNS_DIR = Path("/run/netns")
_CLONE_NEWNET = 0x40000000
_MS_BIND = 4096
_MS_REC = 16384
_MS_SHARED = 1 << 20
_MNT_DETACH = 2
_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_ulong,
    ctypes.c_void_p,
]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


def path_of(name: str) -> Path:
    return NETNS_DIR / name


def exists(name: str) -> bool:
    return path_of(name).exists()


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _shared_rundir() -> None:
    """/run/netns as a shared mount, as ``ip netns`` makes it, so namespaces named there are
    seen from every mount namespace (the instances' included)."""
    NETNS_DIR.mkdir(parents=True, exist_ok=True)
    target = bytes(NETNS_DIR)
    if _libc.mount(b"", target, b"none", _MS_SHARED | _MS_REC, None) != 0:
        _check(_libc.mount(target, target, b"none", _MS_BIND | _MS_REC, None), "bind /run/netns")
        _check(_libc.mount(b"", target, b"none", _MS_SHARED | _MS_REC, None), "share /run/netns")


def create(name: str) -> None:
    """Create ``name`` unless it exists (a restart adopts what the last run made).

    In-process, on the calling thread (about a millisecond; spawning ``ip netns add`` costs
    several): the thread unshares its network namespace, binds it to /run/netns/NAME, and
    goes back to the namespace it came from."""
    if exists(name):
        return
    _shared_rundir()
    path = path_of(name)
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0))
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        _check(_libc.unshare(_CLONE_NEWNET), "unshare")
        try:
            _check(
                _libc.mount(b"/proc/thread-self/ns/net", bytes(path), b"none", _MS_BIND, None),
                f"bind {name}",
            )
        finally:
            _setns(home)
    except OSError:
        path.unlink(missing_ok=True)
        raise
    finally:
        os.close(home)


def remove(name: str) -> None:
    """Forget ``name``; the namespace itself goes when nothing is left in it."""
    path = path_of(name)
    if exists(name):
        _libc.umount2(bytes(path), _MNT_DETACH)
        path.unlink(missing_ok=True)


def listed(prefix: str) -> list[str]:
    if not NETNS_DIR.is_dir():
        return []
    return sorted(p.name for p in NETNS_DIR.iterdir() if p.name.startswith(prefix))


def _setns(fd: int) -> None:
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


@contextmanager
def entered(name: str) -> Iterator[None]:
    """The calling thread is in namespace ``name`` inside the block."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(path_of(name), os.O_RDONLY)
        try:
            _setns(target)
        finally:
            os.close(target)
        try:
            yield
        finally:
            _setns(home)
    finally:
        os.close(home)
