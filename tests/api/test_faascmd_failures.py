"""The FAQ's failures through the real ``faascmd``: what it prints and its exit status."""

from __future__ import annotations

from pathlib import Path

from tests.api.faascmd_support import ELAPSED, User, new_user, xilinx_design
from tests.support.server import RunningServer


def _refused(user: User, *args: str) -> str:
    result = user.faascmd(*args)
    assert result.code == 1, (args, result.stdout, result.stderr)
    assert ELAPSED.search(result.stderr)
    return result.stderr


def _create(user: User, object_name: str, shell: str = "V1.0") -> list[str]:
    return [
        "create_image",
        f"--object={object_name}",
        "--fpgatype=xilinx",
        "--encrypted=false",
        f"--shell={shell}",
    ]


def _ready(user: User, tmp_path: Path) -> str:
    """A configured, authorised user with a good design uploaded as design.tar."""
    user.configure()
    bucket = user.bucket()
    user.ok("auth", f"--bucket={bucket}")
    design = xilinx_design(tmp_path / "design.tar")
    user.ok("upload_object", "--object=design.tar", f"--file={design}")
    return bucket


def test_no_credentials_names_the_missing_id(server: RunningServer, tmp_path: Path) -> None:
    user = new_user(server, tmp_path / "home")
    stderr = _refused(user, "list_images")
    assert stderr.startswith("Name Error:global name 'ID' is not defined.")


def test_flags_need_the_equals_sign(server: RunningServer, tmp_path: Path) -> None:
    user = new_user(server, tmp_path / "home")
    user.configure()
    result = user.faascmd("delete_image", "--imageuuid", "x")
    assert result.code == 2 and "no spaces around '='" in result.stderr
    result = user.faascmd("delete_image", "--imageUUID=x")
    assert result.code == 2 and "case-sensitive" in result.stderr


def test_a_role_of_another_account_is_refused(server: RunningServer, tmp_path: Path) -> None:
    owner = new_user(server, tmp_path / "owner")
    bucket = _ready(owner, tmp_path)
    other = new_user(server, tmp_path / "other")
    other.configure()
    other.set_role(f"acs:ram::{owner.account_id}:role/faasRole", bucket)
    stderr = _refused(other, *_create(other, "design.tar"))
    assert stderr.startswith("HTTP Status:403 Error:RoleAccessError"), stderr


def test_a_missing_faas_role_is_reported(server: RunningServer, tmp_path: Path) -> None:
    user = new_user(server, tmp_path / "home")
    user.configure()
    bucket = user.bucket()
    # the file names the account's faasRole, but auth never created it
    user.set_role(f"acs:ram::{user.account_id}:role/faasRole", bucket)
    stderr = _refused(user, *_create(user, "design.tar"))
    assert stderr.startswith("HTTP Status:404 Error:EntityNotExist.RoleError"), stderr


def test_one_image_request_per_window(server: RunningServer, tmp_path: Path) -> None:
    user = new_user(server, tmp_path / "home")
    _ready(user, tmp_path)
    user.ok(*_create(user, "design.tar"))
    stderr = _refused(user, *_create(user, "design.tar"))
    assert stderr.startswith("HTTP Status:503 Error:FREQUENCY ERROR"), stderr


def test_an_unknown_shell_or_object(server: RunningServer, tmp_path: Path) -> None:
    user = new_user(server, tmp_path / "home")
    _ready(user, tmp_path)
    stderr = _refused(user, *_create(user, "design.tar", shell="V9.9"))
    assert stderr.startswith("HTTP Status:404 Error:SHELL NOT SUPPORT"), stderr
    stderr = _refused(user, *_create(user, "nothing.tar"))
    assert stderr.startswith("HTTP Status:404 Error:OSS OBJECT NOT FOUND"), stderr


def test_unknown_image_and_object(server: RunningServer, tmp_path: Path) -> None:
    user = new_user(server, tmp_path / "home")
    _ready(user, tmp_path)
    stderr = _refused(user, "delete_image", "--imageuuid=xilinx-no-such-image")
    assert stderr.startswith("HTTP Status:400 Error:IMAGE NOT FOUND"), stderr
    stderr = _refused(user, "get_object", "--obejct=missing.tar", f"--file={tmp_path / 'm'}")
    assert stderr.startswith("HTTP Status:404 Error:NoSuchKey"), stderr
