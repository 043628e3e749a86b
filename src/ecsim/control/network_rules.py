"""The values VPCs, vSwitches and EIPs accept: CIDR blocks, names and descriptions.

Each check returns the parsed value or raises the ECS code of the parameter it guards. Checks
that need state (a vSwitch inside its VPC, no overlap with its siblings) live with the use
cases; these need only the value.
"""

from __future__ import annotations

import ipaddress
import re

from ecsim.errors import EcsError
from ecsim.model.network import (
    VPC_PREFIX_LENGTHS,
    VSWITCH_PREFIX_LENGTHS,
    is_reserved,
    parse_block,
)

__all__ = [
    "MAX_USER_CIDRS",
    "check_description",
    "check_eip_description",
    "check_eip_name",
    "check_name",
    "user_cidrs",
    "vpc_block",
    "vswitch_block",
]

MAX_USER_CIDRS = 3

# Only 100.64.0.0/10 is named for user CIDRs (InvalidUserCidr.Malformed's message).
_SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")

# EIP names: a letter or Chinese character first, then letters, digits, Chinese, . _ -
_EIP_NAME = re.compile(r"[A-Za-z\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff._-]{0,127}")
_LETTER_FIRST = re.compile(r"[A-Za-z\u4e00-\u9fff]")


def _cidr_malformed() -> EcsError:
    return EcsError(
        "Specified CIDR block is not valid.", code="InvalidCidrBlock.Malformed", http_status=400
    )


def vpc_block(text: str) -> ipaddress.IPv4Network:
    """A VPC's block: a.b.c.d/8 to /28, outside the reserved ranges.

    CreateVpc's own table names only ``InvalidParameter`` for this; we answer with the
    specific ``InvalidCidrBlock.Malformed`` that ModifyVpcAttribute and CreateVSwitch
    document for the same mistake, so a client can tell it from other bad parameters.
    """
    try:
        block = parse_block(text)
    except ValueError:
        raise _cidr_malformed() from None
    if block.prefixlen not in VPC_PREFIX_LENGTHS or is_reserved(block):
        raise _cidr_malformed()
    return block


def vswitch_block(text: str) -> ipaddress.IPv4Network:
    """A vSwitch's block: a.b.c.d/16 to /29 (the VPC checks containment and overlap)."""
    try:
        block = parse_block(text)
    except ValueError:
        raise _cidr_malformed() from None
    if block.prefixlen not in VSWITCH_PREFIX_LENGTHS:
        # the code is misspelled exactly so in Alibaba's documentation
        raise EcsError(
            "Specified CIDR block is not valid .",
            code="InvalidCirdrBlock.MaskLength",
            http_status=400,
        )
    return block


def user_cidrs(text: str | None) -> tuple[ipaddress.IPv4Network, ...]:
    """``UserCidr``: up to three comma-separated blocks, none in 100.64.0.0/10."""
    if text is None:
        return ()
    blocks: list[ipaddress.IPv4Network] = []
    parts = [part.strip() for part in text.split(",")]
    if len(parts) > MAX_USER_CIDRS:
        raise EcsError(
            "Specified  UserCidr number is greater than 3.",
            code="InvalidUserCidr.Quota",
            http_status=400,
        )
    for part in parts:
        try:
            block = parse_block(part)
        except ValueError:
            raise EcsError(
                "UserCidr is not a valid or strict address.",
                code="IllegalParam.UserCidr",
                http_status=400,
            ) from None
        if block.overlaps(_SHARED_ADDRESS_SPACE):
            raise EcsError(
                "Specified  UserCidr  overlapping in of 100.64.0.0/10.",
                code="InvalidUserCidr.Malformed",
                http_status=400,
            )
        blocks.append(block)
    return tuple(blocks)


def _has_url_prefix(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def check_name(text: str | None, *, code: str, message: str) -> str | None:
    """A VPC or vSwitch name: 1-128 characters, not starting with http:// or https://."""
    if text is not None and (len(text) > 128 or _has_url_prefix(text)):
        raise EcsError(message, code=code, http_status=400)
    return text


def check_description(text: str | None, *, code: str, message: str) -> str | None:
    """A VPC or vSwitch description: 1-256 characters, not starting with http(s)://."""
    if text is not None and (len(text) > 256 or _has_url_prefix(text)):
        raise EcsError(message, code=code, http_status=400)
    return text


def check_eip_name(text: str | None) -> str | None:
    """1-128 characters, a letter or Chinese character first; letters, digits, . _ -."""
    if text is not None and not _EIP_NAME.fullmatch(text):
        raise EcsError(
            "The specified Name is not valid.",
            code="InvalidEipAddressName.Malformed",
            http_status=400,
        )
    return text


def check_eip_description(text: str | None) -> str | None:
    """2-256 characters, a letter or Chinese character first, no http(s):// prefix."""
    if text is not None and (
        not 2 <= len(text) <= 256 or not _LETTER_FIRST.match(text) or _has_url_prefix(text)
    ):
        raise EcsError("Invalid description.", code="InvalidDescription.Malformed", http_status=400)
    return text
