"""What a handler knows about the request it serves."""

from __future__ import annotations

from dataclasses import dataclass

from ecsim.api.products import Product
from ecsim.errors import MissingParameter

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

    @property
    def region(self) -> str:
        """RegionId, for an action that declares it required (the skeleton checked it)."""
        if self.region_id is None:
            raise MissingParameter("RegionId")
        return self.region_id
