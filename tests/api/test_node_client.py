"""@alicloud/pop-core (Node): GET with everything in the query, POST with a form body."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.server import RunningServer

NODE_MODULES = Path(__file__).resolve().parents[2] / ".node" / "node_modules"

SCRIPT = r"""
const RPCClient = require('@alicloud/pop-core').RPCClient;
const [endpoint, secret] = process.argv.slice(1);
const client = new RPCClient({accessKeyId: 'ecsim', accessKeySecret: secret, endpoint,
                              apiVersion: '2014-05-26'});
(async () => {
  const out = {};
  const regions = await client.request('DescribeRegions', {AcceptLanguage: 'en-US'});
  out.get = regions.Regions.Region.map(r => r.LocalName);
  const zones = await client.request('DescribeZones', {RegionId: 'cn-hangzhou'},
                                     {method: 'POST'});
  out.post = zones.Zones.Zone.map(z => z.ZoneId);
  try { await client.request('NoSuchAction', {}); } catch (e) { out.unknown = e.code; }
  console.log(JSON.stringify(out));
})().catch(e => { console.log(JSON.stringify({failed: e.code || String(e)})); });
"""


def _run(server: RunningServer, secret: str) -> dict[str, object]:
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "@alicloud" / "pop-core").is_dir():
        pytest.skip("node or @alicloud/pop-core is not installed (make install-test does it)")
    completed = subprocess.run(
        [node, "-e", SCRIPT, server.url, secret],
        capture_output=True,
        text=True,
        timeout=60,
        # no proxy variables: the client must reach the server directly
        env={"NODE_PATH": str(NODE_MODULES)},
        check=True,
    )
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def test_pop_core_get_post_and_errors(server: RunningServer) -> None:
    result = _run(server, "ecsim-secret")
    assert "China (Hangzhou)" in result["get"]  # type: ignore[operator]
    assert "cn-hangzhou-h" in result["post"]  # type: ignore[operator]
    assert result["unknown"] == "InvalidAction.NotFound"


def test_pop_core_wrong_secret(server: RunningServer) -> None:
    assert _run(server, "wrong") == {"failed": "SignatureDoesNotMatch"}
