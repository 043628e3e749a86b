"""``ecsim ecs <Action> --Param value ...`` and ``ecsim vpc ...``: the aliyun CLI's syntax.

API parameters are free-form, so this command parses them itself before click sees the rest:
click would otherwise read a value such as ``-1/-1`` (a PortRange) as a cluster of short options.

Rules, as in the aliyun CLI:
- ``--Name value`` or ``--Name=value``; names are passed through unchanged, dotted ones included
  (``--Tag.1.Key env``, ``--SystemDisk.Category cloud_essd``); list parameters take a JSON
  array as in the aliyun CLI (``--InstanceIds '["i-1","i-2"]'``).
- The word after ``--Name`` is its value even when it starts with one dash (``--PortRange
  -1/-1``); a value that starts with ``--`` must be written ``--Name=--value``.
- A parameter given twice is an error (the aliyun CLI says "flag duplicated"); lists are written
  ``--Name.1 a --Name.2 b`` or as a JSON array.
"""

from __future__ import annotations

import re
from typing import Any

import click

from ecsim.api.products import ECS, VPC, Product
from ecsim.cli.client import COMMON_PARAMS, RpcClient
from ecsim.cli.options import credentials_options, endpoint_option
from ecsim.cli.output import call_or_exit, print_json

__all__ = ["ecs", "split_api_params", "vpc"]

_PARAMS_KEY = "ecsim.api_params"
# ecsim's own options, which take a value; everything else spelled --Name is an API parameter.
_OWN_OPTIONS = frozenset({"--endpoint", "--access-key-id", "--access-key-secret"})
_OWN_FLAGS = frozenset({"--help", "-h"})
_PARAM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")


def split_api_params(args: list[str]) -> tuple[list[str], dict[str, str]]:
    """(arguments left for click, API parameters) from a command line after the subcommand."""
    rest: list[str] = []
    params: dict[str, str] = {}
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if token in _OWN_FLAGS or not token.startswith("--") or token == "--":
            rest.append(token)
            continue
        name, has_value, value = token[2:].partition("=")
        if f"--{name}" in _OWN_OPTIONS:
            rest.append(token)
            if not has_value and i < len(args):
                rest.append(args[i])
                i += 1
            continue
        if not _PARAM_NAME.match(name):
            raise click.UsageError(f"{token!r} is not a parameter name (use --Name VALUE).")
        if not has_value:
            if i >= len(args) or args[i].startswith("--"):
                raise click.UsageError(f"--{name} needs a value: --{name} VALUE or --{name}=VALUE.")
            value = args[i]
            i += 1
        if name in COMMON_PARAMS:
            raise click.UsageError(f"--{name} is set by ecsim itself and cannot be given.")
        if name in params:
            raise click.UsageError(
                f"--{name} is given twice; give each parameter once "
                f"(lists: --{name}.1 A --{name}.2 B, or a JSON array)."
            )
        params[name] = value
    return rest, params


class _ApiCommand(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            rest, params = split_api_params(args)
        except click.UsageError as error:
            error.ctx = ctx  # so the message comes with this command's usage line
            raise
        ctx.meta[_PARAMS_KEY] = params
        return super().parse_args(ctx, rest)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [*super().collect_usage_pieces(ctx), "[--Param VALUE]..."]


def _api_command(product: Product, name: str, example: str) -> click.Command:
    def run(action: str, endpoint: str, access_key_id: str, access_key_secret: str) -> None:
        params: dict[str, str] = click.get_current_context().meta.get(_PARAMS_KEY, {})
        body: dict[str, Any] = call_or_exit(
            lambda: RpcClient(endpoint, access_key_id, access_key_secret),
            product.version,
            action,
            params,
        )
        print_json(body)

    title = f"{product.code.upper()} ({product.version})"
    run.__doc__ = f"""Call an API action of {title} on the server.

    The aliyun CLI's syntax: ACTION is the API name, each --Name VALUE (or --Name=VALUE) an API
    parameter passed as is (dotted names such as --Tag.1.Key too; list parameters as JSON
    arrays). A parameter may appear only once. A value starting with "--" is written
    --Name=--value.

    Prints the JSON response on stdout and exits 0; on an API error prints the error JSON on
    stderr and exits 1; exits 2 when the server cannot be reached.

    \b
    Example:
      {example}
    """
    decorated = click.argument("action")(run)
    decorated = credentials_options(decorated)
    decorated = endpoint_option(decorated)
    return click.command(
        name,
        cls=_ApiCommand,
        short_help=f"Call the {title} API with the aliyun CLI syntax.",
    )(decorated)


ecs = _api_command(
    ECS,
    "ecs",
    "ecsim ecs AuthorizeSecurityGroup --RegionId cn-qingdao --SecurityGroupId sg-1 \\\n"
    "        --IpProtocol all --PortRange -1/-1 --SourceCidrIp 10.0.0.2 --NicType intranet",
)
vpc = _api_command(
    VPC, "vpc", "ecsim vpc CreateVpc --RegionId cn-hangzhou --CidrBlock 192.168.0.0/16"
)
