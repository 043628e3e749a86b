"""What the engine answers, and why: one decision per gate, and the verdict of both."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ecsim.model.values import Direction, Policy, Priority

__all__ = ["DecidingRule", "GateDecision", "Implicit", "Verdict"]


class Implicit(Enum):
    """A decision no custom rule made. The values are what explanations print."""

    # both interfaces are in one basic group with InnerAccessPolicy=Accept: highest priority
    SAME_GROUP_INNER_ACCEPT = "same-group-inner-accept"
    # egress, nothing matched, and one of the interface's groups is basic
    EGRESS_DEFAULT_ALLOW = "egress-default-allow-basic-group"
    # nothing matched and every group of the interface is enterprise (either direction)
    ENTERPRISE_DEFAULT_DENY = "no-matching-rule-enterprise-default-deny"
    # ingress, nothing matched, basic groups: a basic group is a whitelist
    INGRESS_DEFAULT_DENY = "no-matching-rule-ingress-default-deny"
    # the interface is in no group at all: nothing lets traffic through
    NO_SECURITY_GROUP = "no-security-group"
    # this side of the flow is not an interface of the snapshot: no gate to pass
    EXTERNAL_ENDPOINT = "external-endpoint"
    # traffic to one's own address never leaves the interface
    SAME_INTERFACE = "same-interface"


@dataclass(frozen=True, slots=True)
class DecidingRule:
    group_id: str
    rule_id: str
    priority: Priority
    policy: Policy


@dataclass(frozen=True, slots=True)
class GateDecision:
    """One gate's answer: a rule decided it, or an implicit reason did."""

    direction: Direction
    allowed: bool
    rule: DecidingRule | None = None
    implicit: Implicit | None = None
    # the group whose InnerAccessPolicy decided (SAME_GROUP_INNER_ACCEPT)
    group_id: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """May the source open the flow to the destination: both gates must allow."""

    egress: GateDecision
    ingress: GateDecision

    @property
    def allowed(self) -> bool:
        return self.egress.allowed and self.ingress.allowed
