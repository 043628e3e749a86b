"""--realistic-delays: networks stay Pending, then become Available as time passes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ecsim.app import Application, build_app
from ecsim.clock import FrozenClock
from ecsim.delays import Delays
from ecsim.settings import Settings


def _call(app: Application, **params: str) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://ecsim.test") as client:
            query = {"Version": "2014-05-26", "RegionId": "cn-hangzhou", **params}
            response = await client.get("/", params=query)
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

    return asyncio.run(run())


def _vpc_status(app: Application, vpc_id: str) -> str:
    vpcs = _call(app, Action="DescribeVpcs", VpcId=vpc_id)["Vpcs"]["Vpc"]
    return str(vpcs[0]["Status"])


def test_default_delays_are_zero() -> None:
    assert Delays().network_ready.total_seconds() == 0
    assert Delays().eip_transition.total_seconds() == 0


def test_networks_become_available_immediately_by_default() -> None:
    app = build_app(Settings(in_memory=True, verify_signatures=False), clock=FrozenClock())
    try:
        vpc_id = _call(app, Action="CreateVpc")["VpcId"]
        assert _vpc_status(app, vpc_id) == "Available"
    finally:
        app.close()


def test_realistic_delays_keep_a_new_vpc_pending_for_a_while() -> None:
    clock = FrozenClock()
    settings = Settings(in_memory=True, verify_signatures=False, realistic_delays=True)
    app = build_app(settings, clock=clock)
    try:
        vpc_id = _call(app, Action="CreateVpc")["VpcId"]
        assert _vpc_status(app, vpc_id) == "Pending"
        clock.advance(Delays.realistic().network_ready.total_seconds())
        assert _vpc_status(app, vpc_id) == "Available"
    finally:
        app.close()
