"""The files an instance boots with, staged on the host for ``start.sh`` to put in place.

The instance's writable root lives in its system disk's file system, which only the
instance's own mount namespace mounts; so what the host has to say at each boot is staged under
``<instance dir>/boot/files`` and copied over the instance's root by ``start.sh`` once that is
its only root (no symbolic link planted in the disk can lead out of it): its own hostname,
hosts, resolv.conf, shadow with its password, machine id, SSH host key, sshd drop-in,
authorized_keys, user data and instance id, which so win over whatever an image carries.

What every instance boots with alike is made once per server, in ``<instances>/.base``:

- ``etc``: a layer between the host's /etc and the instance's own, where the host's secrets
  (SSH host keys, gshadow, TLS private keys) are whiteouts, hidden whatever the disk holds,
  and ecsim's defaults (mke2fs.conf) cover the host's while the instance has none of its own;
- ``skeleton``: a first boot's root (directories, the links into /usr);
- ``dev``: the nodes and links of a minimal /dev, copied into each boot's fresh one.

(Each directory or file made on the host costs a journalled metadata write: an instance's own
staging is kept to what is its own.)

The instance's /etc is an overlay: the instance's upper layer (in its disk), over ``etc``, over
the host's /etc (users, PAM, sshd's configuration, certificates). Written before every boot,
so a changed password or key pair shows after a restart, as on ECS. The machine id and the
SSH host key are made once per instance: one launched from another's image gets its own.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from ecsim.dataplane.plan import InstancePlan

__all__ = ["BASE", "write_base", "write_boot_files"]

# the directory of what all instances share, in the directory of the instances
BASE = ".base"
_DIRECTORIES = (
    "usr", "etc", "root", "home", "tmp", "run", "dev", "proc", "sys", "mnt", "opt", "srv",
    "media", "var/lib/ecsim", "var/log", "var/tmp", "var/cache", "var/spool", "var/mail",
    "var/empty",
)  # fmt: skip
_LINKS = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}
_VAR_LINKS = {"var/run": "/run", "var/lock": "/run/lock"}
# a minimal /dev: character devices (major, minor), links
_DEVICES = {
    "null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8), "urandom": (1, 9),
    "tty": (5, 0),
}  # fmt: skip
_DEV_LINKS = {
    "ptmx": "pts/ptmx", "fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
    "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2",
}  # fmt: skip
# the host's secrets in /etc, hidden by an overlay whiteout
_HIDDEN = (
    "ssl/private",
    "gshadow",
    *(
        f"ssh/ssh_host_{kind}_key{suffix}"
        for kind in ("rsa", "ecdsa", "dsa", "ed25519")
        for suffix in ("", ".pub")
    ),
)
# Alibaba Cloud's internal resolvers, as an ECS instance's resolv.conf lists them
_RESOLVERS = ("100.100.2.136", "100.100.2.138")
_SSHD_CONFIG = """\
# ecsim: ECS public images let root log in with its password or a key pair.
PermitRootLogin yes
PasswordAuthentication yes
UsePAM no
"""

# mke2fs's defaults on the guide's CentOS 7 images: ext4 without metadata_csum and 64bit
# (64bit only where a file system needs it, past 16 TiB). extundelete 0.2.4, the last release
# and the guide's §3 tool, misreads file systems with them and recovers nothing.
_MKE2FS_CONF = """\
[defaults]
\tbase_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
\tdefault_mntopts = acl,user_xattr
\tenable_periodic_fsck = 0
\tblocksize = 4096
\tinode_size = 256
\tinode_ratio = 16384

[fs_types]
\text3 = {
\t\tfeatures = has_journal
\t}
\text4 = {
\t\tfeatures = has_journal,extent,huge_file,flex_bg,uninit_bg,dir_nlink,extra_isize
\t\tauto_64-bit_support = 1
\t\tinode_size = 256
\t}
\tsmall = {
\t\tblocksize = 1024
\t\tinode_ratio = 4096
\t}
\tfloppy = {
\t\tblocksize = 1024
\t\tinode_ratio = 8192
\t}
\tbig = {
\t\tinode_ratio = 32768
\t}
\thuge = {
\t\tinode_ratio = 65536
\t}
\tlargefile = {
\t\tinode_ratio = 1048576
\t\tblocksize = -1
\t}
"""


def write_base(base: Path) -> None:
    """What every instance boots with alike (made once; kept as it is while instances use it,
    as the lower layer of their /etc)."""
    _once(base / "skeleton", _skeleton)
    _once(base / "dev", _dev)
    layer = base / "etc"
    layer.mkdir(parents=True, exist_ok=True)
    layer.chmod(0o755)
    for hidden in _HIDDEN:
        _whiteout(layer / hidden)
    conf = layer / "mke2fs.conf"
    if not conf.exists() or conf.read_text() != _MKE2FS_CONF:
        _write(conf, _MKE2FS_CONF)


def write_boot_files(directory: Path, plan: InstancePlan) -> None:
    files = directory / "boot" / "files"
    etc = files / "etc"
    state = files / "var" / "lib" / "ecsim"
    if not state.exists():
        for path in (etc / "ssh" / "sshd_config.d", files / "root" / ".ssh", state):
            path.mkdir(parents=True, exist_ok=True)
        # copied with their modes over the instance's own directories: set them, whatever
        # the server's umask
        for path in (files, etc, etc / "ssh", etc / "ssh" / "sshd_config.d", files / "var"):
            path.chmod(0o755)
        for path in (files / "var" / "lib", state, files.parent):
            path.chmod(0o755)
        for path in (files / "root", files / "root" / ".ssh"):
            path.chmod(0o700)
    _host_keys(etc / "ssh")
    _write(etc / "ssh" / "sshd_config.d" / "ecsim.conf", _SSHD_CONFIG)
    _write(etc / "hostname", plan.hostname + "\n")
    addresses = "".join(f"{p.address}\t{plan.hostname}\n" for p in plan.ports[:1])
    _write(etc / "hosts", f"127.0.0.1\tlocalhost\n::1\tlocalhost\n{addresses}")
    _write(etc / "resolv.conf", "".join(f"nameserver {r}\n" for r in _RESOLVERS))
    machine_id = etc / "machine-id"
    if not machine_id.exists():
        _write(machine_id, os.urandom(16).hex() + "\n")
    _shadow(etc / "shadow", plan.password)
    _write(files / "root" / ".ssh" / "authorized_keys", plan.authorized_keys, 0o600)
    (state / "user-data").write_bytes(plan.user_data)
    (state / "user-data").chmod(0o700)
    # user data runs once per instance: its first boot, even from another instance's image
    _write(state / "instance-id", plan.instance_id + "\n")


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.write_text(text)
    path.chmod(mode)


def _once(path: Path, make: Callable[[Path], None]) -> None:
    """``path`` made by ``make`` unless it is there: whole (made aside, then renamed)."""
    if path.exists():
        return
    aside = path.with_name(path.name + ".new")
    shutil.rmtree(aside, ignore_errors=True)
    make(aside)
    aside.rename(path)


def _skeleton(rootfs: Path) -> None:
    for name in _DIRECTORIES:
        (rootfs / name).mkdir(mode=0o755, parents=True, exist_ok=True)
    for name, target in {**_LINKS, **_VAR_LINKS}.items():
        (rootfs / name).symlink_to(target)
    rootfs.chmod(0o755)
    (rootfs / "root").chmod(0o700)
    for name in ("tmp", "var/tmp"):
        (rootfs / name).chmod(0o1777)


def _dev(dev: Path) -> None:
    """Made once, then copied (one process) rather than made node by node at each boot."""
    for name in ("pts", "shm"):
        (dev / name).mkdir(parents=True, exist_ok=True)
    dev.chmod(0o755)
    for name, (major, minor) in _DEVICES.items():
        os.mknod(dev / name, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        (dev / name).chmod(0o666)
    for name, target in _DEV_LINKS.items():
        (dev / name).symlink_to(target)


def _whiteout(path: Path) -> None:
    """An overlayfs whiteout: a 0/0 character device hides the lower layer's entry."""
    if path.exists() or path.is_symlink():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mknod(path, 0o600 | 0o020000, os.makedev(0, 0))


def _host_keys(ssh: Path) -> None:
    """The instance's own SSH host key, generated once: Ed25519, which every current client
    speaks and which costs microseconds to make (the host's other keys are hidden)."""
    ed25519_key = ssh / "ssh_host_ed25519_key"
    if not ed25519_key.exists() or ed25519_key.stat().st_size == 0:
        _write_key(ed25519_key, ed25519.Ed25519PrivateKey.generate())


def _write_key(path: Path, key: ed25519.Ed25519PrivateKey) -> None:
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    path.write_bytes(private)
    path.chmod(0o600)
    path.with_name(path.name + ".pub").write_bytes(public + b" root@ecsim\n")


def _shadow(path: Path, password: str) -> None:
    """No account of the host's /etc/passwd has a password but root, whose password is the
    instance's (none: key pairs only)."""
    # without a password root logs in by key only: "*" matches no password, where "!" would
    # mark the account locked and sshd would refuse keys too
    root_hash = _hash(password) if password else "*"
    lines = []
    for entry in Path("/etc/passwd").read_text().splitlines():
        user = entry.split(":", 1)[0]
        if user:
            lines.append(f"{user}:{root_hash if user == 'root' else '*'}:19000:0:99999:7:::")
    _write(path, "\n".join(lines) + "\n", 0o640)


def _hash(password: str) -> str:
    """SHA-512 crypt, as Linux images store passwords (``crypt`` left the standard library)."""
    done = subprocess.run(
        ["openssl", "passwd", "-6", "-stdin"],
        input=password,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()
