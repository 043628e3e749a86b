"""`ecsim serve` lifecycle: readiness line, clean shutdown, durable state, accounts at start."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_tea_openapi.exceptions import ClientException

from tests.support.clients import tea_ecs
from tests.support.server import start_server


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_stops_cleanly_on_signal(tmp_path: Path, sig: int) -> None:
    running = start_server(tmp_path)
    try:
        client = tea_ecs(running.endpoint)
        assert client.describe_regions(ecs_models.DescribeRegionsRequest()).status_code == 200
    finally:
        code = running.stop(sig)
    assert code == 0
    assert (tmp_path / "ecsim.sqlite3").exists()


def test_serve_root_account_has_default_key(tmp_path: Path) -> None:
    running = start_server(tmp_path)
    try:
        client = tea_ecs(running.endpoint, ("ecsim", "ecsim-secret"))
        assert client.describe_regions(ecs_models.DescribeRegionsRequest()).status_code == 200
    finally:
        running.stop()


def test_serve_key_from_environment(tmp_path: Path) -> None:
    env = {"ECSIM_ACCESS_KEY_ID": "envkey", "ECSIM_ACCESS_KEY_SECRET": "envsecret"}
    running = start_server(tmp_path, env=env)
    try:
        ok = tea_ecs(running.endpoint, ("envkey", "envsecret"))
        assert ok.describe_regions(ecs_models.DescribeRegionsRequest()).status_code == 200
        wrong = tea_ecs(running.endpoint, ("envkey", "ecsim-secret"))
        with pytest.raises(ClientException) as caught:
            wrong.describe_regions(ecs_models.DescribeRegionsRequest())
        assert caught.value.code == "SignatureDoesNotMatch"
    finally:
        running.stop()


def test_accounts_survive_restart_and_kill(tmp_path: Path) -> None:
    """A created account is committed before the answer: it survives SIGKILL and restart."""
    from tests.support.cli import create_account

    running = start_server(tmp_path)
    try:
        created = create_account(running.url, "durable@example.com")
    finally:
        running.stop(signal.SIGKILL)
    restarted = start_server(tmp_path)
    try:
        client = tea_ecs(restarted.endpoint, (created["AccessKeyId"], created["AccessKeySecret"]))
        response = client.describe_regions(ecs_models.DescribeRegionsRequest())
        assert response.status_code == 200
    finally:
        restarted.stop()
    assert json.dumps(created)
