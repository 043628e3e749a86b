"""``ecsim account create``: a new account and its AccessKey, from the running server."""

from __future__ import annotations

import click

from ecsim.api.products import ECSIM
from ecsim.cli.client import RpcClient
from ecsim.cli.options import credentials_options, endpoint_option
from ecsim.cli.output import call_or_exit, print_json

__all__ = ["account"]


@click.group()
def account() -> None:
    """Manage ecsim accounts (each has its own resources and AccessKey)."""


@account.command()
@click.option(
    "--name",
    help="Login name of the new account, e.g. b@aliyun.com (default: accountN@ecsim.local). "
    "Other accounts can use it as SourceGroupOwnerAccount.",
)
@endpoint_option
@credentials_options
def create(name: str | None, endpoint: str, access_key_id: str, access_key_secret: str) -> None:
    """Create an account on the server; only the root account's key may do this.

    Prints {"AccountId", "AccessKeyId", "AccessKeySecret"} as JSON. AccountId works as
    SourceGroupOwnerId; the key pair works with any SDK pointed at the server.

    \b
    Example:
      ecsim account create --name b@aliyun.com
    """
    params = {"AccountName": name} if name is not None else {}
    body = call_or_exit(
        lambda: RpcClient(endpoint, access_key_id, access_key_secret),
        ECSIM.version,
        "CreateAccount",
        params,
    )
    print_json({key: body[key] for key in ("AccountId", "AccessKeyId", "AccessKeySecret")})
