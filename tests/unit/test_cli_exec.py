"""``ecsim exec``'s argument handling and what it runs, with the API call answered by a stub:
in-process through click for the refusals, and as a real process (a stub HTTP server and a
fake nsenter on PATH) for the output streaming and the exit status."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner

from ecsim.cli import exec as exec_module
from ecsim.cli.client import ApiResponse
from ecsim.cli.exec import nsenter_argv
from ecsim.cli.main import main

RUNTIME = {"RequestId": "r-1", "InstanceId": "i-web", "Pid": 4242, "NetworkNamespace": "ns-web"}
NOT_RUNNING = {
    "RequestId": "r-2",
    "Code": "IncorrectInstanceStatus",
    "Message": "The current status of the resource does not support this operation.",
}


class _Calls:
    """What the stubbed client was asked, and what it answers."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        self.asked: list[tuple[str, str, dict[str, str]]] = []

    def client(self, endpoint: str, key_id: str, secret: str) -> _Calls:
        return self

    def call(self, version: str, action: str, params: Mapping[str, str]) -> ApiResponse:
        self.asked.append((version, action, dict(params)))
        return ApiResponse(self.status, self.body, json.dumps(self.body))


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Root, nsenter at /usr/bin/nsenter, and os.execv recording instead of replacing us."""
    ran: list[list[str]] = []
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(os, "execv", lambda path, argv: ran.append([path, *argv]))
    return ran


def _answer(monkeypatch: pytest.MonkeyPatch, status: int, body: dict[str, Any]) -> _Calls:
    calls = _Calls(status, body)
    monkeypatch.setattr(exec_module, "RpcClient", calls.client)
    return calls


def test_nsenter_argv_enters_every_namespace_as_root_in_root_home() -> None:
    assert nsenter_argv("/usr/bin/nsenter", 42, ["ls", "-la"]) == [
        "/usr/bin/nsenter",
        "-t",
        "42",
        "-a",
        "/usr/bin/env",
        "-C",
        "/root",
        "ls",
        "-la",
    ]


def test_command_after_the_separator_is_passed_untouched(
    monkeypatch: pytest.MonkeyPatch, executed: list[list[str]]
) -> None:
    calls = _answer(monkeypatch, 200, RUNTIME)
    result = CliRunner().invoke(
        main, ["exec", "i-web", "--endpoint", "http://h:1", "--", "ls", "-la", "--endpoint", "x"]
    )
    assert result.exit_code == 0, result.output
    assert calls.asked == [("2026-01-01", "DescribeInstanceRuntime", {"InstanceId": "i-web"})]
    (argv,) = executed
    assert argv[0] == "/usr/bin/nsenter"
    assert argv[1:] == nsenter_argv("/usr/bin/nsenter", 4242, ["ls", "-la", "--endpoint", "x"])


@pytest.mark.parametrize(
    "args",
    [["exec"], ["exec", "i-web"], ["exec", "i-web", "--"], ["exec", "i-web", "--nope", "ls"]],
)
def test_usage_errors_exit_2_before_any_call(
    monkeypatch: pytest.MonkeyPatch, executed: list[list[str]], args: list[str]
) -> None:
    calls = _answer(monkeypatch, 200, RUNTIME)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert calls.asked == [] and executed == []


def test_api_error_exits_1_with_the_error_json(
    monkeypatch: pytest.MonkeyPatch, executed: list[list[str]]
) -> None:
    _answer(monkeypatch, 403, NOT_RUNNING)
    result = CliRunner().invoke(main, ["exec", "i-web", "--", "true"])
    assert result.exit_code == 1
    assert json.loads(result.stderr)["Code"] == "IncorrectInstanceStatus"
    assert result.stdout == "" and executed == []


def test_not_root_is_told_so(monkeypatch: pytest.MonkeyPatch, executed: list[list[str]]) -> None:
    _answer(monkeypatch, 200, RUNTIME)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    result = CliRunner().invoke(main, ["exec", "i-web", "--", "true"])
    assert result.exit_code == 1
    assert "needs root" in result.stderr and "sudo" in result.stderr
    assert executed == []


def test_missing_nsenter_is_told_so(
    monkeypatch: pytest.MonkeyPatch, executed: list[list[str]]
) -> None:
    _answer(monkeypatch, 200, RUNTIME)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = CliRunner().invoke(main, ["exec", "i-web", "--", "true"])
    assert result.exit_code == 1
    assert "nsenter" in result.stderr and executed == []


def test_nsenter_that_cannot_run_is_an_error(
    monkeypatch: pytest.MonkeyPatch, executed: list[list[str]]
) -> None:
    _answer(monkeypatch, 200, RUNTIME)

    def refuse(path: str, argv: list[str]) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "execv", refuse)
    result = CliRunner().invoke(main, ["exec", "i-web", "--", "true"])
    assert result.exit_code == 1
    assert "cannot run nsenter" in result.stderr


# -- as a real process ------------------------------------------------------------------------


class _StubApi(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        form = parse_qs(self.rfile.read(length).decode())
        body = dict(RUNTIME, InstanceId=form["InstanceId"][0])
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def stub_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StubApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


COMMAND = ("sh", "-c", "exit 3")


@pytest.mark.skipif(os.geteuid() != 0, reason="ecsim exec refuses to run without root")
def test_the_command_streams_its_output_and_its_status_is_ecsims(
    tmp_path: Path, stub_api: str
) -> None:
    fake = tmp_path / "nsenter"
    fake.write_text('#!/bin/sh\necho "nsenter $*"\necho "to stderr" >&2\nexit 7\n')
    fake.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ECSIM_")}
    environment["PATH"] = f"{tmp_path}{os.pathsep}{environment.get('PATH', '')}"
    done = subprocess.run(
        [sys.executable, "-m", "ecsim", "exec", "--endpoint", stub_api, "i-web", "--", *COMMAND],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert done.returncode == 7, done.stderr
    assert done.stdout == "nsenter -t 4242 -a /usr/bin/env -C /root sh -c exit 3\n"
    assert done.stderr == "to stderr\n"
