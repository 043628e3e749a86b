"""The RPC skeleton in-process, with fake actions: idempotency, DryRun, errors, rendering."""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest

from ecsim.api.auth import Authenticator
from ecsim.api.context import RequestContext
from ecsim.api.intake import IncomingRequest
from ecsim.api.params import Integer, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup, Registry
from ecsim.api.rpc import OutgoingResponse, RpcSkeleton
from ecsim.app import Application, build_app
from ecsim.errors import EcsError
from ecsim.services import Services
from ecsim.settings import ROOT_ACCOUNT_ID, Settings
from ecsim.store.base import ResourceRecord

REQUEST_ID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}")


@dataclass
class Calls:
    """How often each fake handler ran."""

    counts: dict[str, int] = field(default_factory=dict)

    def hit(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1


def fake_actions(calls: Calls) -> ActionGroup:
    group = ActionGroup(ECS)

    @group.action(
        "CreateWidget",
        params=(
            String("RegionId", required=True),
            String("Name", required=True, max_length=10),
            Integer("Size", minimum=1, maximum=100),
        ),
        idempotent=True,
        dry_run=True,
    )
    def create_widget(
        ctx: RequestContext, params: dict[str, Any], services: Services
    ) -> dict[str, Any]:
        calls.hit("CreateWidget")
        widget_id = services.ids.new("instance")
        services.store.put_resource(
            ResourceRecord("widget", widget_id, ctx.account_id, ctx.region_id or "", params)
        )
        # A check that needs state, made after a write: DryRun must still report it.
        if params["Name"] == "taken":
            raise EcsError("The name is in use.", code="InvalidName.Duplicate", http_status=400)
        return {"WidgetId": widget_id}

    @group.action("DescribeWidgets", params=(String("RegionId", required=True),), dry_run=True)
    def describe_widgets(
        ctx: RequestContext, params: dict[str, Any], services: Services
    ) -> dict[str, Any]:
        calls.hit("DescribeWidgets")
        rows = services.store.list_resources("widget", ctx.account_id, ctx.region_id)
        return {"Widgets": {"Widget": [{"WidgetId": r.resource_id} for r in rows]}}

    @group.action("ExplodeWidget", mutating=True)
    def explode(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
        services.store.put_resource(ResourceRecord("widget", "w-half", ctx.account_id, "", {}))
        raise RuntimeError("boom")

    @group.action("ConfusedWidget", mutating=True)
    def confused(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
        services.store.put_resource(ResourceRecord("widget", "w-confused", ctx.account_id, "", {}))
        return {"Code": "200", "WidgetId": "w-confused"}

    return group


@dataclass
class Harness:
    skeleton: RpcSkeleton
    services: Services
    calls: Calls

    def call(
        self,
        action: str,
        *,
        method: str = "POST",
        headers: dict[str, str] | None = None,
        **params: str,
    ) -> OutgoingResponse:
        query = {"Action": action, "Version": ECS.version, **params} if action else dict(params)
        request = IncomingRequest(
            method=method,
            path="/",
            query_string=urlencode(query).encode(),
            headers=headers or {},
            body=b"",
        )
        return self.skeleton.handle(request)

    def widgets(self, account_id: str = ROOT_ACCOUNT_ID) -> list[str]:
        return [r.resource_id for r in self.services.store.list_resources("widget", account_id)]


@pytest.fixture
def app() -> Iterator[Application]:
    application = build_app(Settings(in_memory=True, verify_signatures=False, dataplane="none"))
    try:
        yield application
    finally:
        application.close()


@pytest.fixture
def harness(app: Application) -> Harness:
    calls = Calls()
    services = app.services
    authenticator = Authenticator(
        services.accounts, services.clock, Settings().limits, verify=False
    )
    skeleton = RpcSkeleton(Registry([fake_actions(calls)]), authenticator, services)
    return Harness(skeleton, services, calls)


def body_of(response: OutgoingResponse) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(response.body)
    return decoded


def assert_error(response: OutgoingResponse, status: int, code: str) -> dict[str, Any]:
    body = body_of(response)
    assert (response.status, body["Code"]) == (status, code), body
    assert REQUEST_ID.fullmatch(body["RequestId"])
    assert body["HostId"] == "ecs.aliyuncs.com"
    assert body["Recommend"] == (
        f"https://api.aliyun.com/troubleshoot?q={code}&product=Ecs&requestId={body['RequestId']}"
    )
    assert body["Message"]
    return body


# success ------------------------------------------------------------------------------------


def test_success_body(harness: Harness) -> None:
    response = harness.call("CreateWidget", RegionId="cn-hangzhou", Name="w")
    assert response.status == 200
    assert response.content_type == "application/json;charset=utf-8"
    body = body_of(response)
    assert set(body) == {"RequestId", "WidgetId"}
    assert REQUEST_ID.fullmatch(body["RequestId"])


def test_request_ids_differ(harness: Harness) -> None:
    first = body_of(harness.call("DescribeWidgets", RegionId="cn-hangzhou"))["RequestId"]
    second = body_of(harness.call("DescribeWidgets", RegionId="cn-hangzhou"))["RequestId"]
    assert first != second


def test_action_and_version_from_headers(harness: Harness) -> None:
    response = harness.call(
        "",
        headers={"x-acs-action": "DescribeWidgets", "x-acs-version": ECS.version},
        RegionId="cn-hangzhou",
    )
    assert response.status == 200, response.body


def test_xml_success(harness: Harness) -> None:
    harness.call("CreateWidget", RegionId="cn-hangzhou", Name="w")
    response = harness.call("DescribeWidgets", RegionId="cn-hangzhou", Format="xml")
    assert (response.status, response.content_type) == (200, "text/xml;charset=utf-8")
    root = ET.fromstring(response.body)
    assert root.tag == "DescribeWidgetsResponse"
    assert REQUEST_ID.fullmatch(root.findtext("RequestId") or "")
    assert len(root.findall("./Widgets/Widget/WidgetId")) == 1


def test_handler_result_with_code_is_an_internal_error_and_rolled_back(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="ecsim.api"):
        response = harness.call("ConfusedWidget")
    assert_error(response, 500, "InternalError")
    assert harness.widgets() == []


# errors -------------------------------------------------------------------------------------


def test_unexpected_exception_is_internal_error_with_traceback_logged(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="ecsim.api"):
        response = harness.call("ExplodeWidget")
    body = assert_error(response, 500, "InternalError")
    assert "boom" not in body["Message"]
    [record] = [r for r in caplog.records if r.name == "ecsim.api"]
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)
    assert body["RequestId"] in record.getMessage()
    assert "ExplodeWidget" in record.getMessage()
    # its write did not survive
    assert harness.widgets() == []


def test_xml_error(harness: Harness) -> None:
    response = harness.call("CreateWidget", RegionId="cn-hangzhou", Format="XML")
    assert (response.status, response.content_type) == (400, "text/xml;charset=utf-8")
    root = ET.fromstring(response.body)
    assert root.tag == "Error"
    assert root.findtext("Code") == "MissingParameter"
    assert '"Name"' in (root.findtext("Message") or "")
    assert {child.tag for child in root} == {"RequestId", "HostId", "Code", "Message", "Recommend"}


@pytest.mark.parametrize(
    ("action", "params", "status", "code"),
    [
        ("", {"Version": ECS.version}, 400, "MissingParameter"),
        ("", {"Action": "DescribeWidgets"}, 400, "MissingParameter"),
        ("", {"Action": "DescribeWidgets", "Version": "2099-01-01"}, 400, "InvalidParameter"),
        ("DescribeGadgets", {}, 404, "InvalidAction.NotFound"),
        ("DescribeWidgets", {"RegionId": "cn-nowhere"}, 404, "InvalidRegionId.NotFound"),
        ("CreateWidget", {"RegionId": "cn-hangzhou", "Name": "x" * 11}, 400, "InvalidParameter"),
        (
            "CreateWidget",
            {"RegionId": "cn-hangzhou", "Name": "taken"},
            400,
            "InvalidName.Duplicate",
        ),
    ],
    ids=[
        "missing-action",
        "missing-version",
        "unknown-version",
        "unknown-action",
        "unknown-region",
        "invalid-parameter",
        "handler-error",
    ],
)
def test_errors(
    harness: Harness, action: str, params: dict[str, str], status: int, code: str
) -> None:
    assert_error(harness.call(action, **params), status, code)
    assert harness.widgets() == []


# ClientToken --------------------------------------------------------------------------------


def test_client_token_replays_the_first_result(harness: Harness) -> None:
    params = {"RegionId": "cn-hangzhou", "Name": "w", "Size": "5", "ClientToken": "tok-1"}
    first = body_of(harness.call("CreateWidget", **params))
    again = body_of(harness.call("CreateWidget", **params))
    assert again["WidgetId"] == first["WidgetId"]
    assert again["RequestId"] != first["RequestId"]
    assert harness.calls.counts["CreateWidget"] == 1
    assert harness.widgets() == [first["WidgetId"]]


def test_client_token_with_other_params_is_a_mismatch(harness: Harness) -> None:
    harness.call("CreateWidget", RegionId="cn-hangzhou", Name="w", ClientToken="tok-2")
    response = harness.call("CreateWidget", RegionId="cn-hangzhou", Name="v", ClientToken="tok-2")
    assert_error(response, 400, "IdempotentParameterMismatch")
    assert harness.calls.counts["CreateWidget"] == 1
    assert len(harness.widgets()) == 1


def test_client_token_equal_after_parsing_is_a_replay(harness: Harness) -> None:
    # "05" and "5" are the same Size; unknown params are not part of the request
    harness.call("CreateWidget", RegionId="cn-hangzhou", Name="w", Size="5", ClientToken="t3")
    again = harness.call(
        "CreateWidget", RegionId="cn-hangzhou", Name="w", Size="05", ClientToken="t3", on="x"
    )
    assert again.status == 200
    assert harness.calls.counts["CreateWidget"] == 1


def test_other_tokens_and_no_token_create_again(harness: Harness) -> None:
    for token in ("a", "b", "A"):
        harness.call("CreateWidget", RegionId="cn-hangzhou", Name="w", ClientToken=token)
    harness.call("CreateWidget", RegionId="cn-hangzhou", Name="w")
    harness.call("CreateWidget", RegionId="cn-hangzhou", Name="w")
    assert len(harness.widgets()) == 5


def test_client_token_is_per_account(harness: Harness) -> None:
    other = harness.services.accounts.create(ROOT_ACCOUNT_ID, None)
    params = {"RegionId": "cn-hangzhou", "Name": "w", "ClientToken": "shared"}
    mine = body_of(harness.call("CreateWidget", **params))
    theirs = body_of(harness.call("CreateWidget", AccessKeyId=other.access_key_id, **params))
    assert mine["WidgetId"] != theirs["WidgetId"]
    assert harness.widgets(other.account.account_id) == [theirs["WidgetId"]]


def test_failed_call_does_not_spend_the_token(harness: Harness) -> None:
    params = {"RegionId": "cn-hangzhou", "ClientToken": "t4"}
    response = harness.call("CreateWidget", Name="taken", **params)
    assert_error(response, 400, "InvalidName.Duplicate")
    # other params under the same token: not a mismatch, as nothing was recorded
    assert harness.call("CreateWidget", Name="fine", **params).status == 200
    assert len(harness.widgets()) == 1


@pytest.mark.parametrize(
    "token", ["x" * 65, "caf\u00e9", "tab\there"], ids=["too-long", "non-ascii", "control"]
)
def test_malformed_client_token_is_refused(harness: Harness, token: str) -> None:
    response = harness.call("CreateWidget", RegionId="cn-hangzhou", Name="w", ClientToken=token)
    assert_error(response, 400, "InvalidClientToken.ValueNotSupported")
    assert harness.widgets() == []


# DryRun -------------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["true", "True", "TRUE"])
def test_dry_run_validates_and_writes_nothing(harness: Harness, flag: str) -> None:
    response = harness.call("CreateWidget", RegionId="cn-hangzhou", Name="w", DryRun=flag)
    body = assert_error(response, 400, "DryRunOperation")
    assert body["Message"] == "Request validation has been passed with DryRun flag set."
    assert harness.calls.counts["CreateWidget"] == 1
    assert harness.widgets() == []


def test_dry_run_false_runs_for_real(harness: Harness) -> None:
    response = harness.call("CreateWidget", RegionId="cn-hangzhou", Name="w", DryRun="false")
    assert response.status == 200
    assert len(harness.widgets()) == 1


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"RegionId": "cn-hangzhou"}, 400, "MissingParameter"),
        ({"RegionId": "cn-hangzhou", "Name": "w", "Size": "0"}, 400, "InvalidParameter"),
        ({"RegionId": "cn-nowhere", "Name": "w"}, 404, "InvalidRegionId.NotFound"),
        ({"RegionId": "cn-hangzhou", "Name": "taken"}, 400, "InvalidName.Duplicate"),
    ],
    ids=["missing", "out-of-range", "unknown-region", "handler-check"],
)
def test_dry_run_errors_win(
    harness: Harness, params: dict[str, str], status: int, code: str
) -> None:
    assert_error(harness.call("CreateWidget", DryRun="true", **params), status, code)
    assert harness.widgets() == []


def test_dry_run_bad_flag_is_invalid(harness: Harness) -> None:
    response = harness.call("CreateWidget", RegionId="cn-hangzhou", Name="w", DryRun="yes")
    assert_error(response, 400, "InvalidParameter")


def test_dry_run_on_a_describe_action(harness: Harness) -> None:
    response = harness.call("DescribeWidgets", RegionId="cn-hangzhou", DryRun="true")
    assert_error(response, 400, "DryRunOperation")


def test_dry_run_does_not_spend_the_client_token(harness: Harness) -> None:
    params = {"RegionId": "cn-hangzhou", "Name": "w", "ClientToken": "t5"}
    assert_error(harness.call("CreateWidget", DryRun="true", **params), 400, "DryRunOperation")
    first = body_of(harness.call("CreateWidget", **params))
    assert body_of(harness.call("CreateWidget", **params))["WidgetId"] == first["WidgetId"]
    assert harness.widgets() == [first["WidgetId"]]


# refusals outside the skeleton --------------------------------------------------------------


def test_reject_renders_the_error_shape(harness: Harness) -> None:
    response = harness.skeleton.reject(EcsError("Nope.", code="Nope", http_status=405))
    assert_error(response, 405, "Nope")
