"""ClientToken idempotency (reference §1.5).

The same token with the same parameters returns the first call's result and creates nothing;
the same token with other parameters is ``IdempotentParameterMismatch``. Tokens are kept per
(account, product, action) for the life of the data dir; the result is stored in the same
transaction as the change it describes, so a retry can never see one without the other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from ecsim.errors import IdempotentParameterMismatch
from ecsim.store.base import Store, TokenRecord

__all__ = ["ClientTokens", "fingerprint"]

# Parameters that may differ between a call and its retry.
_VOLATILE = frozenset({"ClientToken", "DryRun"})


def fingerprint(params: Mapping[str, Any]) -> str:
    stable = {k: v for k, v in params.items() if k not in _VOLATILE}
    text = json.dumps(stable, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class ClientTokens:
    def __init__(self, store: Store) -> None:
        self._store = store

    def run(
        self,
        account_id: str,
        scope: str,
        token: str,
        params: Mapping[str, Any],
        call: Callable[[], dict[str, Any]],
    ) -> dict[str, Any]:
        """Run ``call`` once per token; the caller holds the transaction."""
        digest = fingerprint(params)
        seen = self._store.get_token(account_id, scope, token)
        if seen is not None:
            if seen.fingerprint != digest:
                raise IdempotentParameterMismatch()
            return dict(seen.result)
        result = call()
        self._store.put_token(account_id, scope, token, TokenRecord(digest, result))
        return result
