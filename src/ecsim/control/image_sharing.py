"""ModifyImageSharePermission / DescribeImageSharePermission: custom images shared with
other accounts, who then see them as ``others`` (and may launch them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ecsim.clock import Clock
from ecsim.control.custom_images import ImageRepository
from ecsim.control.error_builders import fixed
from ecsim.model.image import Image, ImageShare
from ecsim.store.base import Store

__all__ = ["ImageSharing"]

# Accounts one image may be shared with.
_MAX_SHARES = 50

_account_not_found = fixed(
    "The specified account does not exist.", code="InvalidAccount.NotFound", http_status=404
)
_quota = fixed(
    "The image is shared with as many accounts as it may be.",
    code="QuotaExceed.ShareImageUser",
    http_status=403,
)


class ImageSharing:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._images = ImageRepository(store)

    def modify(
        self,
        account_id: str,
        region_id: str,
        image_id: str,
        *,
        add: Sequence[str],
        remove: Sequence[str],
    ) -> None:
        image = self._images.get(account_id, image_id, region_id)
        for other in (*add, *remove):
            # sharing with oneself is meaningless: ECS names no such account as a target
            if other == account_id or self._store.get_account(other) is None:
                raise _account_not_found()
        now = self._clock.now()
        kept = [share for share in image.shares if share.account_id not in remove]
        for other in dict.fromkeys(add):
            if other not in remove and not any(s.account_id == other for s in kept):
                kept.append(ImageShare(other, now))
        if len(kept) > _MAX_SHARES:
            raise _quota()
        self._images.save(replace(image, shares=tuple(kept)))

    def shares(self, account_id: str, region_id: str, image_id: str) -> Image:
        """The caller's image, whose ``shares`` DescribeImageSharePermission lists."""
        return self._images.get(account_id, image_id, region_id)
