"""``faascmd COMMAND --flag=value ...`` (guide §8.1.3).

Commands and flags are case-sensitive and every flag is written ``--name=value`` with no
spaces around ``=``. Results go to stdout; the ``N.NNN(s) elapsed`` line goes to stderr, so
``faascmd list_objects | grep x`` filters only the results, as in the guide.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Mapping, Sequence

from ecsim.cli.client import ServerUnreachable
from ecsim.faascmd import credentials
from ecsim.faascmd.authorisation import auth, delete_policy, list_policy
from ecsim.faascmd.clients import ApiError
from ecsim.faascmd.credentials import DEFAULT_ENDPOINT, DEFAULT_REGION, MissingCredentials
from ecsim.faascmd.images import (
    create_image,
    delete_image,
    download_image,
    fpga_status,
    get_object,
    list_images,
    list_instances,
    list_objects,
    publish_image,
    upload_object,
)
from ecsim.faascmd.oss import OssError
from ecsim.faascmd.session import Command, Session, UsageError

__all__ = ["COMMANDS", "main", "parse_flags"]

NAME_ERROR = (
    "Name Error:global name 'ID' is not defined.\n"
    "faascmd found no AccessKeyId/AccessKeySecret: run "
    "faascmd config --id=<yourAccessKeyID> --key=<yourAccessKeySecret> first."
)


COMMANDS: dict[str, Command] = {
    # config is the one command that runs without the credentials file (see _execute)
    "config": Command(None, required=("id", "key"), optional=("endpoint", "region")),
    "auth": Command(auth, required=("bucket",)),
    "list_policy": Command(list_policy),
    "delete_policy": Command(delete_policy),
    "list_objects": Command(list_objects),
    "upload_object": Command(upload_object, required=("object", "file")),
    "get_object": Command(
        get_object, required=("object",), optional=("file",), aliases={"obejct": "object"}
    ),
    "create_image": Command(
        create_image,
        required=("object", "fpgatype", "encrypted", "shell"),
        optional=("kmskey", "name", "description", "tags"),
    ),
    "list_images": Command(list_images),
    "delete_image": Command(delete_image, required=("imageuuid",)),
    "download_image": Command(
        download_image,
        required=("instanceId", "fpgauuid", "imageuuid"),
        optional=("fpgatype", "imagetype", "shell"),
    ),
    "fpga_status": Command(fpga_status, required=("fpgauuid", "instanceId")),
    "publish_image": Command(publish_image, required=("imageuuid", "imageid")),
    "list_instances": Command(list_instances, required=("instanceId",)),
}

_FLAG = re.compile(r"--([A-Za-z_]+)=(.*)", re.DOTALL)


def _syntax(name: str, command: Command) -> str:
    flags = [f"--{f}=<{f}>" for f in command.required]
    flags += [f"[--{f}=<{f}>]" for f in command.optional]
    return " ".join(["faascmd", name, *flags])


def parse_flags(name: str, command: Command, args: Sequence[str]) -> dict[str, str]:
    """``--flag=value`` tokens to {flag: value}; anything else is a UsageError."""
    known = {*command.required, *command.optional}
    flags: dict[str, str] = {}
    for token in args:
        match = _FLAG.fullmatch(token)
        if match is None:
            if token.startswith("--"):
                raise UsageError(
                    f"write {token}=<value> as one word: no spaces around '=' (got {token!r})"
                )
            raise UsageError(
                f"unexpected argument {token!r}: flags are --name=value, no spaces around '='"
            )
        flag, value = match.group(1), match.group(2)
        flag = command.aliases.get(flag, flag)
        if flag not in known:
            raise UsageError(f"unknown flag --{flag} for {name} (flags are case-sensitive)")
        if flag in flags:
            raise UsageError(f"--{flag} is given twice")
        flags[flag] = value
    missing = [f"--{f}=" for f in command.required if f not in flags]
    if missing:
        raise UsageError(f"{name} needs {', '.join(missing)}")
    return flags


def _usage() -> str:
    lines = ["usage: faascmd COMMAND --flag=value ... (case-sensitive, no spaces around '=')"]
    lines += [f"  {_syntax(name, command)}" for name, command in COMMANDS.items()]
    return "\n".join(lines)


def _configure(flags: Mapping[str, str]) -> None:
    try:
        current = credentials.load()
        endpoint, region = current.endpoint, current.region
    except MissingCredentials:
        endpoint, region = DEFAULT_ENDPOINT, DEFAULT_REGION
    path = credentials.save(
        {
            "FaaSCredentials": {"accessid": flags["id"], "accesskey": flags["key"]},
            "Endpoint": {
                "url": flags.get("endpoint", endpoint),
                "region": flags.get("region", region),
            },
        }
    )
    sys.stdout.write(f"Your configuration is saved into {path} .\n")


def run(argv: Sequence[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(_usage() + "\n")
        return 0 if argv else 2
    name, args = argv[0], argv[1:]
    command = COMMANDS.get(name)
    try:
        if command is None:
            raise UsageError(f"unknown command {name!r} (commands are case-sensitive)")
        flags = parse_flags(name, command, args)
    except UsageError as error:
        sys.stderr.write(f"faascmd: {error}\n")
        if command is not None:
            sys.stderr.write(f"usage: {_syntax(name, command)}\n")
        return 2
    started = time.perf_counter()
    status = _execute(name, command, flags)
    sys.stdout.flush()
    sys.stderr.write(f"{time.perf_counter() - started:.3f}(s) elapsed\n")
    return status


def _execute(name: str, command: Command, flags: Mapping[str, str]) -> int:
    try:
        if command.run is None:
            _configure(flags)
            return 0
        command.run(Session(flags, credentials.load(), sys.stdout))
    except MissingCredentials:
        sys.stderr.write(NAME_ERROR + "\n")
        return 1
    except ApiError as error:
        sys.stderr.write(f"{error}\n")
        return 1
    except OssError as error:
        sys.stderr.write(
            f"HTTP Status:{error.status} Error:{error.code}. {error.message} "
            f"Request ID:{error.request_id}\n"
        )
        return 1
    except UsageError as error:
        sys.stderr.write(f"faascmd: {error}\n")
        return 2
    except (ServerUnreachable, OSError) as error:
        sys.stderr.write(f"faascmd {name}: {error}\n")
        return 1
    return 0


def main() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
