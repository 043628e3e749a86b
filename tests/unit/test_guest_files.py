"""What the host stages for an instance's boot (start.sh copies it over the root in the
instance's system disk): its own identity, made once and kept; what every instance shares."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from ecsim.dataplane.linux.guest_files import write_base, write_boot_files
from ecsim.dataplane.plan import InstancePlan

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="device nodes need root (mknod)")


def _plan(instance_id: str, **fields: object) -> InstancePlan:
    plan = InstancePlan(instance_id, "vpc-1", "ns", True, (), hostname=f"host-{instance_id}")
    return replace(plan, **fields)  # type: ignore[arg-type]


def _identity(directory: Path) -> tuple[str, str]:
    etc = directory / "boot" / "files" / "etc"
    return (etc / "machine-id").read_text(), (etc / "ssh" / "ssh_host_ed25519_key").read_text()


def test_each_instance_has_its_own_identity_kept_across_boots(tmp_path: Path) -> None:
    write_boot_files(tmp_path / "i-1", _plan("i-1", authorized_keys="ssh-ed25519 AAAA k\n"))
    first = _identity(tmp_path / "i-1")
    write_boot_files(tmp_path / "i-1", _plan("i-1", hostname="renamed"))
    write_boot_files(tmp_path / "i-2", _plan("i-2"))
    assert _identity(tmp_path / "i-1") == first
    assert set(_identity(tmp_path / "i-2")).isdisjoint(first)
    files = tmp_path / "i-1" / "boot" / "files"
    # what changed since the first boot is what the next one copies in
    assert (files / "etc" / "hostname").read_text() == "renamed\n"
    assert (files / "root" / ".ssh" / "authorized_keys").read_text() == ""
    assert (files / "var" / "lib" / "ecsim" / "instance-id").read_text() == "i-1\n"
    # copied with their modes over the instance's own
    modes = {
        path: stat.S_IMODE((files / path).stat().st_mode)
        for path in ("etc", "root", "root/.ssh", "etc/shadow", "root/.ssh/authorized_keys")
    }
    assert modes == {
        "etc": 0o755,
        "root": 0o700,
        "root/.ssh": 0o700,
        "etc/shadow": 0o640,
        "root/.ssh/authorized_keys": 0o600,
    }


def test_the_shared_base_hides_the_hosts_secrets_and_is_made_once(tmp_path: Path) -> None:
    base = tmp_path / ".base"
    write_base(base)
    made = sorted(str(p.relative_to(base)) for p in base.rglob("*"))
    write_base(base)
    assert sorted(str(p.relative_to(base)) for p in base.rglob("*")) == made
    hidden = base / "etc" / "ssh" / "ssh_host_rsa_key"
    assert stat.S_ISCHR(hidden.lstat().st_mode) and hidden.lstat().st_rdev == 0
    assert (base / "etc" / "mke2fs.conf").read_text().startswith("[defaults]")
    assert stat.S_ISCHR((base / "dev" / "null").lstat().st_mode)
    assert os.readlink(base / "skeleton" / "bin") == "usr/bin"
    assert not list(tmp_path.glob("*.new"))
