"""ImportImage in-process: Available at once by default; with --realistic-delays, Creating
for as long as uploading the disk would take, and DeleteImage refuses it meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ecsim.app import Application, build_app
from ecsim.clock import FrozenClock
from ecsim.delays import Delays
from ecsim.settings import Settings

ROOT = "1000000000000001"
MIB = 2**20


def _call(app: Application, **params: str) -> tuple[int, dict[str, Any]]:
    async def run() -> tuple[int, dict[str, Any]]:
        transport = httpx.ASGITransport(app=app.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://ecsim.test") as client:
            query = {"Version": "2014-05-26", "RegionId": "cn-hangzhou", **params}
            response = await client.get("/", params=query)
            return response.status_code, response.json()

    return asyncio.run(run())


def _imported(realistic: bool) -> tuple[Application, FrozenClock, str]:
    clock = FrozenClock()
    settings = Settings(in_memory=True, verify_signatures=False, realistic_delays=realistic)
    app = build_app(settings, clock=clock)
    app.services.objects.create_bucket(ROOT, "images")
    app.services.objects.put_object(ROOT, "images", "disk.raw", b"\x7f" * (3 * MIB))
    status, body = _call(
        app,
        Action="ImportImage",
        **{"DiskDeviceMapping.1.OSSBucket": "images", "DiskDeviceMapping.1.OSSObject": "disk.raw"},
    )
    assert status == 200, body
    return app, clock, str(body["ImageId"])


def _seen(app: Application, image_id: str) -> tuple[str, str]:
    _, body = _call(app, Action="DescribeImages", ImageId=image_id, Status="ALL")
    (image,) = body["Images"]["Image"]
    return image["Status"], image["Progress"]


@pytest.mark.parametrize("realistic", [False, True])
def test_an_import_is_available_once_its_upload_time_is_over(realistic: bool) -> None:
    app, clock, image_id = _imported(realistic)
    try:
        if realistic:
            status, progress = _seen(app, image_id)
            assert (status, progress) == ("Creating", "0%")
            status, body = _call(app, Action="DeleteImage", ImageId=image_id)
            assert (status, body["Code"]) == (403, "ImageIsImporting")
            # the 3 MiB disk at the realistic rate (64 MiB/s)
            clock.advance(3 / 64 / 2)
            assert _seen(app, image_id) == ("Creating", "50%")
            clock.advance(3 / 64 / 2)
        assert _seen(app, image_id) == ("Available", "100%")
        assert _call(app, Action="DeleteImage", ImageId=image_id)[0] == 200
    finally:
        app.close()


def test_the_realistic_rates() -> None:
    realistic = Delays.realistic()
    assert realistic.image_import(64 * MIB).total_seconds() == 1
    assert realistic.image_copy(32 * MIB).total_seconds() == 1
    assert Delays().image_import(10**12).total_seconds() == 0
