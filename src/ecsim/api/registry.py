"""The dispatch table: (product, action) -> declared parameters and handler.

Each family module builds an ``ActionGroup`` and decorates its handlers::

    actions = ActionGroup(ECS)

    @actions.action("DescribeRegions", params=(String("AcceptLanguage"),))
    def describe_regions(ctx, params, services): ...

``app.build_app`` collects the groups into one ``Registry``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ecsim.api.context import RequestContext
from ecsim.api.params import Boolean, Param, String
from ecsim.api.products import Product

if TYPE_CHECKING:
    from ecsim.services import Services

__all__ = ["ActionGroup", "ActionSpec", "Handler", "Registry"]

Handler = Callable[[RequestContext, dict[str, Any], "Services"], dict[str, Any]]


@dataclass(frozen=True)
class ActionSpec:
    product: Product
    name: str
    params: tuple[Param, ...]
    handler: Handler
    # Mutating actions run in one store transaction, committed before the response.
    mutating: bool
    # ClientToken makes a retry return the first result (reference §1.5).
    idempotent: bool
    # DryRun=true validates everything, writes nothing and answers DryRunOperation.
    dry_run: bool

    @property
    def declares_region(self) -> bool:
        return any(p.name == "RegionId" for p in self.params)


class ActionGroup:
    def __init__(self, product: Product) -> None:
        self.product = product
        self.specs: list[ActionSpec] = []

    def action(
        self,
        name: str,
        *,
        params: Iterable[Param] = (),
        mutating: bool = False,
        idempotent: bool = False,
        dry_run: bool = False,
    ) -> Callable[[Handler], Handler]:
        declared = list(params)
        names = {p.name for p in declared}
        if idempotent and "ClientToken" not in names:
            # at most 64 printable ASCII characters (reference §1.5)
            declared.append(
                String(
                    "ClientToken",
                    max_length=64,
                    pattern=r"[\x20-\x7e]+",
                    code="InvalidClientToken.ValueNotSupported",
                )
            )
        if dry_run and "DryRun" not in names:
            declared.append(Boolean("DryRun"))

        def register(handler: Handler) -> Handler:
            self.specs.append(
                ActionSpec(
                    self.product,
                    name,
                    tuple(declared),
                    handler,
                    mutating=mutating or idempotent,
                    idempotent=idempotent,
                    dry_run=dry_run,
                )
            )
            return handler

        return register


class Registry:
    def __init__(self, groups: Iterable[ActionGroup]) -> None:
        self._specs: dict[tuple[str, str], ActionSpec] = {}
        for group in groups:
            for spec in group.specs:
                key = (spec.product.version, spec.name)
                if key in self._specs:
                    raise ValueError(f"action declared twice: {spec.product.code} {spec.name}")
                self._specs[key] = spec

    def lookup(self, product: Product, action: str) -> ActionSpec | None:
        return self._specs.get((product.version, action))

    def all(self) -> list[ActionSpec]:
        return list(self._specs.values())
