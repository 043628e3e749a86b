"""DescribeSnapshotChangedBlocks (product Ecsim, 2026-01-01): which blocks of a disk differ
between two of its snapshots, for incremental backups (``control.changed_blocks``).

The answer pages with NextToken/MaxResults (default 100, at most 1000 blocks a page); each
block is named by its index and its byte offset (index * BlockSize).
"""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.paging import token_page, token_params
from ecsim.api.params import String
from ecsim.api.products import ECSIM
from ecsim.api.registry import ActionGroup
from ecsim.control.changed_blocks import SnapshotDiffs
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECSIM)


@actions.action(
    "DescribeSnapshotChangedBlocks",
    params=(
        String("FirstSnapshotId", required=True, max_length=64),
        String("SecondSnapshotId", required=True, max_length=64),
        *token_params(),
    ),
)
def describe_snapshot_changed_blocks(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    first, second = params["FirstSnapshotId"], params["SecondSnapshotId"]
    changed = SnapshotDiffs(services.store, services.blocks).between(ctx.account_id, first, second)
    page = token_page(changed.indices, params, default_size=100, max_size=1000)
    size = changed.block_size
    return {
        "FirstSnapshotId": first,
        "SecondSnapshotId": second,
        "BlockSize": size,
        "VolumeSize": changed.volume_size,
        "TotalCount": page.total_count,
        "NextToken": page.next_token,
        "ChangedBlocks": [{"BlockIndex": i, "Offset": i * size} for i in page.items],
    }
