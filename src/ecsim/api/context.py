"""What a handler knows about the request it serves."""

from __future__ import annotations

from dataclasses import dataclass

from ecsim.api.products import Product

__all__ = ["RequestContext"]


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    product: Product
    action: str
    account_id: str
    access_key_id: str
    # RegionId when the action declares it; None otherwise.
    region_id: str | None
    # The endpoint host the client addressed (Host header), for RegionEndpoint-like fields.
    host: str
