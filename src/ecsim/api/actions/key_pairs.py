"""CreateKeyPair, ImportKeyPair, DescribeKeyPairs, DeleteKeyPairs, AttachKeyPair and
DetachKeyPair.

Attach and detach answer one entry per instance, with counts and flags as the strings the
metadata documents (``"TotalCount": "2"``, ``"Success": "true"``, ``"Code": "200"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.paging import number_page, page_params
from ecsim.api.params import Boolean, JsonList, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.api.tagging import render_tags, tag_filter, tag_param, tags_from
from ecsim.control.key_pair_bindings import InstanceOutcome
from ecsim.control.key_pairs import KeyPairQuery, KeyPairView, NewKeyPair
from ecsim.services import Services
from ecsim.times import format_minutes

__all__ = ["actions"]

actions = ActionGroup(ECS)

# A successful entry of an attach or detach result.
_SUCCESS_CODE = "200"
_SUCCESS_MESSAGE = "successful"


def _new(params: dict[str, Any]) -> NewKeyPair:
    return NewKeyPair(
        name=params["KeyPairName"],
        resource_group_id=params.get("ResourceGroupId", ""),
        tags=tags_from(params),
    )


@actions.action(
    "CreateKeyPair",
    params=(
        String("RegionId", required=True),
        String("KeyPairName", required=True),
        String("ResourceGroupId"),
        tag_param(),
    ),
    mutating=True,
)
def create_key_pair(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    created = services.key_pairs.create(ctx.account_id, params["RegionId"], _new(params))
    key_pair = created.key_pair
    return {
        "KeyPairId": key_pair.key_pair_id,
        "KeyPairName": key_pair.name,
        "KeyPairFingerPrint": key_pair.fingerprint,
        "PrivateKeyBody": created.private_key,
    }


@actions.action(
    "ImportKeyPair",
    params=(
        String("RegionId", required=True),
        String("KeyPairName", required=True),
        String("PublicKeyBody", required=True),
        String("ResourceGroupId"),
        tag_param(),
    ),
    mutating=True,
)
def import_key_pair(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    key_pair = services.key_pairs.import_key(
        ctx.account_id, params["RegionId"], _new(params), params["PublicKeyBody"]
    )
    return {"KeyPairName": key_pair.name, "KeyPairFingerPrint": key_pair.fingerprint}


@actions.action(
    "DescribeKeyPairs",
    params=(
        String("RegionId", required=True),
        String("KeyPairName"),
        String("KeyPairFingerPrint"),
        *page_params(),
        Boolean("IncludePublicKey", default=False),
        String("ResourceGroupId"),
        tag_param(),
    ),
)
def describe_key_pairs(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    query = KeyPairQuery(
        name=params.get("KeyPairName"),
        fingerprint=params.get("KeyPairFingerPrint"),
        resource_group_id=params.get("ResourceGroupId"),
        tags=tag_filter(params),
    )
    views = services.key_pairs.describe(ctx.account_id, params["RegionId"], query)
    page = number_page(views, params, default_size=10, max_size=50)
    include = params["IncludePublicKey"]
    items = [_key_pair(view, include_public_key=include) for view in page.items]
    return page.fields() | {"KeyPairs": {"KeyPair": items}}


@actions.action(
    "DeleteKeyPairs",
    params=(
        String("RegionId", required=True),
        JsonList("KeyPairNames", required=True, code="InvalidKeyPairNames.ValueNotSupported"),
    ),
    mutating=True,
)
def delete_key_pairs(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.key_pairs.delete(ctx.account_id, params["RegionId"], params["KeyPairNames"])
    return {}


_BINDING = (
    String("RegionId", required=True),
    String("KeyPairName", required=True),
    JsonList("InstanceIds", required=True, code="InvalidInstanceIds.ValueNotSupported"),
)


@actions.action("AttachKeyPair", params=_BINDING, mutating=True)
def attach_key_pair(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    name = params["KeyPairName"]
    outcomes = services.key_pairs.attach(
        ctx.account_id, params["RegionId"], name, params["InstanceIds"]
    )
    return _results(name, outcomes)


@actions.action("DetachKeyPair", params=_BINDING, mutating=True)
def detach_key_pair(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    name = params["KeyPairName"]
    outcomes = services.key_pairs.detach(
        ctx.account_id, params["RegionId"], name, params["InstanceIds"]
    )
    return _results(name, outcomes)


# -- model -> wire ---------------------------------------------------------------------------


def _key_pair(view: KeyPairView, *, include_public_key: bool) -> dict[str, Any]:
    key_pair = view.key_pair
    body: dict[str, Any] = {
        "KeyPairName": key_pair.name,
        "KeyPairFingerPrint": key_pair.fingerprint,
        "CreationTime": format_minutes(key_pair.created_at),
        "ResourceGroupId": key_pair.resource_group_id,
        "Tags": render_tags(view.tags),
    }
    if include_public_key:
        body["PublicKey"] = key_pair.public_key
    return body


def _results(name: str, outcomes: Sequence[InstanceOutcome]) -> dict[str, Any]:
    entries = [_result(outcome) for outcome in outcomes]
    failed = sum(1 for outcome in outcomes if not outcome.succeeded)
    return {
        "KeyPairName": name,
        "TotalCount": str(len(outcomes)),
        "FailCount": str(failed),
        "Results": {"Result": entries},
    }


def _result(outcome: InstanceOutcome) -> dict[str, Any]:
    error = outcome.error
    return {
        "InstanceId": outcome.instance_id,
        "Success": "true" if error is None else "false",
        "Code": _SUCCESS_CODE if error is None else error.code,
        "Message": _SUCCESS_MESSAGE if error is None else error.message,
    }
