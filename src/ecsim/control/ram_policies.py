"""RAM policy documents: parsing the JSON a client sends, and evaluating statements.

Evaluation follows RAM's rule: an explicit Deny wins, then an Allow grants, otherwise the
request is refused. Action and resource patterns use ``*`` (any run) and ``?`` (one
character); actions compare case-insensitively as RAM documents, resources exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from ecsim.model.ram import Effect, PolicyDocument, Statement

__all__ = ["PolicyDocumentError", "allows", "parse_policy_document", "wildcard_match"]

# RAM caps a custom policy document at 6144 characters.
MAX_DOCUMENT_LENGTH = 6144


class PolicyDocumentError(ValueError):
    """The document is not a RAM policy; callers map it to MalformedPolicyDocument."""


def parse_policy_document(text: str, *, trust: bool = False) -> PolicyDocument:
    """A policy document, or PolicyDocumentError saying what is wrong.

    ``trust`` documents (a role's AssumeRolePolicyDocument) name a Principal instead of a
    Resource.
    """
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise PolicyDocumentError("The policy document is not valid JSON.") from exc
    if not isinstance(raw, dict):
        raise PolicyDocumentError("The policy document must be a JSON object.")
    version = raw.get("Version")
    if version != "1":
        raise PolicyDocumentError('The policy document "Version" must be "1".')
    statements = raw.get("Statement")
    if not isinstance(statements, list) or not statements:
        raise PolicyDocumentError('The policy document "Statement" must be a non-empty list.')
    return PolicyDocument(
        version=version, statements=tuple(_statement(s, trust=trust) for s in statements)
    )


def _statement(raw: Any, *, trust: bool) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyDocumentError("Each statement must be a JSON object.")
    try:
        effect = Effect(raw.get("Effect"))
    except ValueError as exc:
        raise PolicyDocumentError('A statement "Effect" must be "Allow" or "Deny".') from exc
    actions = _strings(raw.get("Action"), "Action")
    if trust:
        if not isinstance(raw.get("Principal"), dict) or not raw["Principal"]:
            raise PolicyDocumentError('A trust statement needs a "Principal" object.')
        resources: tuple[str, ...] = ()
    else:
        resources = _strings(raw.get("Resource"), "Resource")
    return Statement(effect=effect, actions=actions, resources=resources)


def _strings(value: Any, name: str) -> tuple[str, ...]:
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list) and value and all(isinstance(item, str) and item for item in value):
        return tuple(value)
    raise PolicyDocumentError(f'A statement "{name}" must be a string or a list of strings.')


@lru_cache(maxsize=1024)
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(body, re.IGNORECASE if ignore_case else 0)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


def _covers(statement: Statement, action: str, resource: str) -> bool:
    return any(wildcard_match(p, action, ignore_case=True) for p in statement.actions) and any(
        wildcard_match(p, resource) for p in statement.resources
    )


def allows(documents: Iterable[PolicyDocument], action: str, resource: str) -> bool:
    """Whether the documents together grant ``action`` on ``resource``."""
    statements = [s for document in documents for s in document.statements]
    if any(s.effect is Effect.DENY and _covers(s, action, resource) for s in statements):
        return False
    return any(s.effect is Effect.ALLOW and _covers(s, action, resource) for s in statements)
