"""Builders of a family's errors, each declared once as its message, code and HTTP status.

``fixed`` builds an error whose message never varies, ``naming`` one whose message names a
value (the ``{}`` of its template). Families declare them as module constants, with ``code=``
and ``http_status=`` written as literals: that is where the contract test's scan finds them.
"""

from __future__ import annotations

from collections.abc import Callable

from ecsim.errors import EcsError

__all__ = ["fixed", "naming"]


def fixed(message: str, *, code: str, http_status: int) -> Callable[[], EcsError]:
    def build() -> EcsError:
        return EcsError(message, code=code, http_status=http_status)

    return build


def naming(template: str, *, code: str, http_status: int) -> Callable[[object], EcsError]:
    def build(value: object) -> EcsError:
        return EcsError(template.format(value), code=code, http_status=http_status)

    return build
