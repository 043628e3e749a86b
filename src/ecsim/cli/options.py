"""Options shared by several ``ecsim`` subcommands (PRODUCT.md contracts 3 and 5)."""

from __future__ import annotations

import click

from ecsim.settings import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

__all__ = ["DEFAULT_ENDPOINT", "credentials_options", "endpoint_option"]

DEFAULT_ENDPOINT = "http://127.0.0.1:8080"


def credentials_options(f: click.decorators.FC) -> click.decorators.FC:
    """``--access-key-id`` / ``--access-key-secret``, defaulting to the root account's key."""
    f = click.option(
        "--access-key-secret",
        envvar="ECSIM_ACCESS_KEY_SECRET",
        default=DEFAULT_ACCESS_KEY_SECRET,
        show_default=True,
        help="AccessKeySecret (env ECSIM_ACCESS_KEY_SECRET).",
    )(f)
    f = click.option(
        "--access-key-id",
        envvar="ECSIM_ACCESS_KEY_ID",
        default=DEFAULT_ACCESS_KEY_ID,
        show_default=True,
        help="AccessKeyId (env ECSIM_ACCESS_KEY_ID).",
    )(f)
    return f


def endpoint_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--endpoint",
        envvar="ECSIM_ENDPOINT",
        default=DEFAULT_ENDPOINT,
        show_default=True,
        help="The ecsim server to talk to (env ECSIM_ENDPOINT).",
    )(f)
