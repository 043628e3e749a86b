"""Running the installed ``faascmd`` against the session's server, in a home of its own."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import oss2

from tests.support.cli import create_account
from tests.support.server import RunningServer

ELAPSED = re.compile(r"^\d+\.\d{3}\(s\) elapsed$", re.MULTILINE)


def faascmd_command() -> list[str]:
    """The console script pip installed next to this interpreter."""
    script = Path(sys.executable).parent / "faascmd"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "ecsim.faascmd.main"]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class User:
    """One account, and the home folder its ~/.faascredentials lives in."""

    server: RunningServer
    home: Path
    account_id: str
    key: tuple[str, str]

    def faascmd(self, *args: str, cwd: Path | None = None) -> Result:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("ECSIM_")}
        environment.update({"HOME": str(self.home), "LC_ALL": "C", "LANG": "C"})
        done = subprocess.run(
            [*faascmd_command(), *args],
            capture_output=True,
            env=environment,
            cwd=cwd or self.home,
            timeout=60,
            check=False,
        )
        return Result(done.returncode, done.stdout.decode(), done.stderr.decode())

    def ok(self, *args: str, cwd: Path | None = None) -> Result:
        result = self.faascmd(*args, cwd=cwd)
        assert result.code == 0, (args, result.stdout, result.stderr)
        assert ELAPSED.search(result.stderr), result.stderr
        return result

    def configure(self) -> None:
        self.ok(
            "config", f"--id={self.key[0]}", f"--key={self.key[1]}", f"--endpoint={self.server.url}"
        )

    def bucket(self) -> str:
        """A new private bucket with the compiling_logs/ folder the guide asks for."""
        name = f"faas-{uuid.uuid4().hex[:12]}"
        bucket = oss2.Bucket(oss2.Auth(*self.key), self.server.url, name)
        bucket.create_bucket(oss2.BUCKET_ACL_PRIVATE)
        bucket.put_object("compiling_logs/", b"")
        return name

    def credentials(self) -> str:
        return (self.home / ".faascredentials").read_text()

    def set_role(self, role: str, bucket: str) -> None:
        with (self.home / ".faascredentials").open("a") as handle:
            handle.write(f"\n[Role]\nrole = {role}\n\n[OSS]\nbucket = {bucket}\n")


def new_user(server: RunningServer, home: Path) -> User:
    account = create_account(server.url)
    home.mkdir(parents=True, exist_ok=True)
    return User(
        server, home, account["AccountId"], (account["AccessKeyId"], account["AccessKeySecret"])
    )


def xilinx_design(path: Path, *, with_checkpoint: bool = True) -> Path:
    """A tar as the Xilinx scripts leave it: a .dcp (itself a zip) and a report."""
    checkpoint = io.BytesIO()
    with zipfile.ZipFile(checkpoint, "w") as dcp:
        dcp.writestr("design.xdef", b"routed design")
    with tarfile.open(path, "w") as archive:
        members = {"to_faas/design_routed.dcp": checkpoint.getvalue()} if with_checkpoint else {}
        members["to_faas/timing.rpt"] = b"all constraints met\n"
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path
