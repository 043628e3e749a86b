"""faascmd's parts that need no server: flags, the credentials file, the OSS signature."""

from __future__ import annotations

from pathlib import Path

import oss2
import pytest

from ecsim.faascmd import credentials
from ecsim.faascmd.main import COMMANDS, parse_flags, run
from ecsim.faascmd.oss import sign
from ecsim.faascmd.session import UsageError, show_json


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_flags_are_name_equals_value() -> None:
    flags = parse_flags(
        "upload_object", COMMANDS["upload_object"], ["--object=a/b.tar", "--file=x=y.tar"]
    )
    assert flags == {"object": "a/b.tar", "file": "x=y.tar"}


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--object", "a", "--file=b"], "no spaces"),
        (["--object=", "a", "--file=b"], "unexpected argument"),
        (["--Object=a", "--file=b"], "case-sensitive"),
        (["--object=a"], "--file="),
        (["--object=a", "--object=b", "--file=c"], "twice"),
    ],
)
def test_bad_command_lines_are_refused(args: list[str], reason: str) -> None:
    with pytest.raises(UsageError, match=reason):
        parse_flags("upload_object", COMMANDS["upload_object"], args)


def test_get_object_takes_the_guides_spelling_and_the_right_one() -> None:
    command = COMMANDS["get_object"]
    assert parse_flags("get_object", command, ["--obejct=k"]) == {"object": "k"}
    assert parse_flags("get_object", command, ["--object=k", "--file=f"]) == {
        "object": "k",
        "file": "f",
    }


def test_instance_flags_keep_their_capital() -> None:
    command = COMMANDS["list_instances"]
    assert parse_flags("list_instances", command, ["--instanceId=i-1"]) == {"instanceId": "i-1"}
    with pytest.raises(UsageError):
        parse_flags("list_instances", command, ["--instanceid=i-1"])


def test_config_writes_the_guides_layout(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["config", "--id=AK", "--key=SK", "--endpoint=http://127.0.0.1:9"]) == 0
    path = home / ".faascredentials"
    assert f"Your configuration is saved into {path} ." in capsys.readouterr().out
    text = path.read_text()
    assert "[FaaSCredentials]\naccessid = AK\naccesskey = SK\n" in text
    assert path.stat().st_mode & 0o077 == 0
    credentials.save({"Role": {"role": "acs:ram::1:role/faasRole"}, "OSS": {"bucket": "b"}})
    loaded = credentials.load()
    assert (loaded.access_id, loaded.access_key) == ("AK", "SK")
    assert (loaded.endpoint, loaded.role, loaded.bucket) == (
        "http://127.0.0.1:9",
        "acs:ram::1:role/faasRole",
        "b",
    )
    # a new key pair keeps the role, the bucket and the endpoint
    assert run(["config", "--id=AK2", "--key=SK2"]) == 0
    again = credentials.load()
    assert (again.access_id, again.endpoint, again.bucket) == ("AK2", "http://127.0.0.1:9", "b")


def test_no_credentials_gives_the_faq_hint(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["list_images"]) == 1
    captured = capsys.readouterr()
    assert "Name Error:global name 'ID' is not defined." in captured.err
    assert "faascmd config" in captured.err
    assert captured.err.rstrip().endswith("(s) elapsed")


def test_usage_errors_exit_2(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["List_images"]) == 2
    assert "unknown command" in capsys.readouterr().err
    assert run(["auth", "--bucket", "b"]) == 2
    assert "usage: faascmd auth --bucket=<bucket>" in capsys.readouterr().err
    assert run([]) == 2
    assert "faascmd create_image" in capsys.readouterr().out


def test_signature_matches_oss2() -> None:
    request = oss2.http.Request(
        "PUT",
        "http://127.0.0.1:8080/bkt/dir%2Fa.tar",
        headers={"Content-Type": "application/octet-stream"},
    )
    oss2.Auth("AK", "SK")._sign_request(request, "bkt", "dir/a.tar")
    # oss2 stamps the Date itself
    date = request.headers["date"]
    ours = sign("SK", "PUT", "application/octet-stream", date, "/bkt/dir/a.tar")
    assert request.headers["authorization"] == f"OSS AK:{ours}"


def test_absent_names_print_as_none() -> None:
    body = {"RequestId": "R", "Name": "", "Description": "d", "Tags": "", "State": ""}
    assert show_json(body, drop_request_id=True) == (
        '{"Name":"None","Description":"d","Tags":"None","State":""}'
    )
