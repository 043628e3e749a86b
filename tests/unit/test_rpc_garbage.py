"""No input makes the skeleton answer 500: seeded random garbage against every real action,
signed correctly (so it reaches the handlers) or with one signature part spoiled."""

from __future__ import annotations

import random
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from ecsim.api.auth import Authenticator
from ecsim.api.intake import IncomingRequest
from ecsim.api.registry import ActionSpec
from ecsim.api.rpc import RpcSkeleton
from ecsim.app import Application, build_app
from ecsim.settings import Settings
from tests.api.signed import v1_params, v3_headers

NASTY = [
    "",
    "\x00",
    "é",
    "\u202e",
    "\ufeff",
    "9" * 30,
    "-1",
    "0",
    "2147483648",
    "1e999",
    "NaN",
    "true",
    "[",
    "{",
    "[[[[",
    "null",
    "[null]",
    "[1,2]",
    '["a"]',
    '{"a":null}',
    "a.b",
    ".",
    "..",
    "%",
    "\n",
    "x" * 2000,
    "cn-hangzhou",
]
SUFFIXES = ["", "", "", ".1", ".0", ".x", ".1.Key", "."]
SIGNATURE_PARTS = [
    "Timestamp",
    "SignatureNonce",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "Format",
    "Version",
]
CASES = 3000


@pytest.fixture
def app() -> Iterator[Application]:
    application = build_app(Settings(in_memory=True, dataplane="none"))
    try:
        yield application
    finally:
        application.close()


def _requests(specs: list[ActionSpec], rng: random.Random) -> Iterator[IncomingRequest]:
    for _ in range(CASES):
        spec = rng.choice(specs)
        names = [p.name for p in spec.params] + ["RegionId", "Tag", "InstanceIds", "X"]
        params = {
            rng.choice(names) + rng.choice(SUFFIXES): rng.choice(NASTY)
            for _ in range(rng.randint(0, 6))
        }
        if rng.random() < 0.5:
            spoiled = {}
            if rng.random() < 0.3:
                spoiled[rng.choice(SIGNATURE_PARTS)] = rng.choice(NASTY)
            query = v1_params(spec.name, params, version=spec.product.version, **spoiled)
            if rng.random() < 0.1:
                query["Signature"] = rng.choice(NASTY)
            yield IncomingRequest("POST", "/", urlencode(query).encode(), {}, b"")
        else:
            headers = v3_headers("127.0.0.1:8080", spec.name, params, version=spec.product.version)
            if rng.random() < 0.3:
                headers[rng.choice(sorted(headers))] = rng.choice([*NASTY, "é" * 3])
            yield IncomingRequest("POST", "/", urlencode(params).encode(), headers, b"")


def test_garbage_never_gets_a_500(app: Application) -> None:
    services = app.services
    authenticator = Authenticator(services.accounts, services.clock, Settings().limits, verify=True)
    skeleton = RpcSkeleton(app.registry, authenticator, services)
    specs = app.registry.all()
    failures = []
    for request in _requests(specs, random.Random(20240102)):
        response = skeleton.handle(request)
        if response.status >= 500:
            failures.append((request.query_string[:300], request.headers, response.body))
    assert not failures, failures[:5]
