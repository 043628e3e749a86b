"""How client subcommands print results and choose exit codes.

Exit codes: 0 the call succeeded; 1 the server answered with an API error (error JSON on
stderr); 2 no answer (bad usage, or the server could not be reached; one line on stderr).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import click

from ecsim.cli.client import ApiResponse, RpcClient, ServerUnreachable

__all__ = ["EXIT_API_ERROR", "EXIT_UNREACHABLE", "call_or_exit", "print_json"]

EXIT_API_ERROR = 1
EXIT_UNREACHABLE = 2


def print_json(value: Any, *, err: bool = False) -> None:
    text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    stream = sys.stderr if err else sys.stdout
    # Bytes, so region names in Chinese print whatever the locale's encoding is.
    stream.flush()
    stream.buffer.write(text.encode("utf-8"))
    stream.buffer.flush()


def _exit(code: int) -> NoReturn:
    raise click.exceptions.Exit(code)


def call_or_exit(
    make_client: Callable[[], RpcClient], version: str, action: str, params: Mapping[str, str]
) -> dict[str, Any]:
    """The decoded body of a successful call; otherwise report on stderr and exit 1 or 2."""
    try:
        client = make_client()
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--endpoint'") from None
    try:
        response = client.call(version, action, params)
    except ServerUnreachable as error:
        click.echo(f"ecsim: {error}", err=True)
        _exit(EXIT_UNREACHABLE)
    if response.ok and response.body is not None:
        return response.body
    _report_error(response)
    _exit(EXIT_API_ERROR)


def _report_error(response: ApiResponse) -> None:
    if response.body is not None:
        print_json(response.body, err=True)
    else:
        # Not ecsim (or not JSON): show what came back rather than hide it.
        click.echo(f"ecsim: HTTP {response.status} from the server:", err=True)
        click.echo(response.text.strip()[:2000], err=True)
