"""The files an instance boots with: its root's skeleton and its own /etc.

The instance's /etc is an overlay whose lower layer is the host's /etc (users, PAM, sshd's
configuration, certificates) and whose upper layer is the instance's. Anything of the host's
that is a secret is covered in the upper layer: the SSH host keys (the instance gets its own),
/etc/shadow (root gets the instance's password; every other account is locked) and the TLS
private keys directory. Written before every boot, so a changed password or key pair shows
after a restart, as on ECS.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from ecsim.dataplane.plan import InstancePlan

__all__ = ["write_boot_files"]

_DIRECTORIES = (
    "usr", "etc", "root", "home", "tmp", "run", "dev", "proc", "sys", "mnt", "opt", "srv",
    "media", "var/lib/ecsim", "var/log", "var/tmp", "var/cache", "var/spool", "var/mail",
    "var/empty",
)  # fmt: skip
_LINKS = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}
_VAR_LINKS = {"var/run": "/run", "var/lock": "/run/lock"}
# the host's secrets in /etc, hidden by an overlay whiteout
_HIDDEN = (
    "ssl/private",
    "gshadow",
    *(
        f"ssh/ssh_host_{kind}_key{suffix}"
        for kind in ("rsa", "ecdsa", "dsa")
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


def write_boot_files(directory: Path, plan: InstancePlan) -> None:
    rootfs = directory / "rootfs"
    upper = directory / "etc-upper"
    if not rootfs.exists():
        _skeleton(rootfs)
    (directory / "etc-work").mkdir(parents=True, exist_ok=True)
    (upper / "ssh" / "sshd_config.d").mkdir(parents=True, exist_ok=True)
    for hidden in _HIDDEN:
        _whiteout(upper / hidden)
    _host_keys(upper / "ssh")
    (upper / "ssh" / "sshd_config.d" / "ecsim.conf").write_text(_SSHD_CONFIG)
    (upper / "hostname").write_text(plan.hostname + "\n")
    addresses = "".join(f"{p.address}\t{plan.hostname}\n" for p in plan.ports[:1])
    (upper / "hosts").write_text(f"127.0.0.1\tlocalhost\n::1\tlocalhost\n{addresses}")
    (upper / "resolv.conf").write_text("".join(f"nameserver {r}\n" for r in _RESOLVERS))
    machine_id = upper / "machine-id"
    if not machine_id.exists():
        machine_id.write_text(os.urandom(16).hex() + "\n")
    _shadow(upper / "shadow", plan.password)
    ssh = rootfs / "root" / ".ssh"
    ssh.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = ssh / "authorized_keys"
    keys.write_text(plan.authorized_keys)
    keys.chmod(0o600)
    user_data = rootfs / "var" / "lib" / "ecsim" / "user-data"
    user_data.write_bytes(plan.user_data)
    user_data.chmod(0o700)


def _skeleton(rootfs: Path) -> None:
    for name in _DIRECTORIES:
        (rootfs / name).mkdir(parents=True, exist_ok=True)
    for name, target in {**_LINKS, **_VAR_LINKS}.items():
        (rootfs / name).symlink_to(target)
    (rootfs / "root").chmod(0o700)
    for name in ("tmp", "var/tmp"):
        (rootfs / name).chmod(0o1777)


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
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o640)


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
