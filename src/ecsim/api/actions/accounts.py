"""ecsim's own administration API: CreateAccount (used by ``ecsim account create``)."""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.params import String
from ecsim.api.products import ECSIM
from ecsim.api.registry import ActionGroup
from ecsim.model.account import AccountName
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECSIM)


@actions.action("CreateAccount", params=(String("AccountName", max_length=128),), mutating=True)
def create_account(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    name = AccountName.parse(params["AccountName"]) if "AccountName" in params else None
    created = services.accounts.create(ctx.account_id, name)
    return {
        "AccountId": created.account.account_id,
        "AccountName": created.account.name,
        "AccessKeyId": created.access_key_id,
        "AccessKeySecret": created.access_key_secret,
    }
