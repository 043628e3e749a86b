"""SSH key material: new RSA key pairs, public keys as users paste them, fingerprints.

CreateKeyPair hands out the private key as PEM in the traditional PKCS#1 form
(``-----BEGIN RSA PRIVATE KEY-----``). The metadata's prose says PKCS#8, but its own example
(``MIIEpAIBAAKCAQEA...``) is the start of a PKCS#1 RSAPrivateKey, which is what ECS has
always returned; OpenSSH, Packer and Terraform read either.

A fingerprint is ECS's: the MD5 of the public key blob in colon-separated hex (RFC 4716),
what ``ssh-keygen -l -E md5`` prints after ``MD5:``, for created and imported keys alike.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

__all__ = [
    "GeneratedKey",
    "PublicKey",
    "generate_rsa_key",
    "md5_fingerprint",
    "normalize_fingerprint",
    "parse_public_key",
]

RSA_BITS = 2048
# A pasted key longer than this is not a public key (a 16384-bit RSA line is ~2.8 KB).
_MAX_TEXT = 16 * 1024
_RFC4716_BEGIN = "---- BEGIN SSH2 PUBLIC KEY ----"
_RFC4716_END = "---- END SSH2 PUBLIC KEY ----"
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


@dataclass(frozen=True)
class PublicKey:
    # the OpenSSH line ECS shows: "ssh-rsa AAAA... comment" (the comment when one was given)
    openssh: str
    fingerprint: str


@dataclass(frozen=True)
class GeneratedKey:
    public_key: PublicKey
    # PEM, PKCS#1 (see the module docstring); never stored
    private_key_pem: str


def generate_rsa_key() -> GeneratedKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")
    return GeneratedKey(_from_key(private.public_key(), ""), pem)


def parse_public_key(text: str) -> PublicKey:
    """A public key as ImportKeyPair takes it: an OpenSSH line (``ssh-rsa``,
    ``ssh-ed25519``, ``ecdsa-sha2-*``), its bare base64 blob, an RFC 4716 block or a PEM
    public key. Raises ValueError for anything else (private keys included)."""
    text = text.strip()
    if not text or len(text) > _MAX_TEXT:
        raise ValueError("no public key")
    if text.startswith("-----BEGIN"):
        return _from_pem(text)
    if text.startswith(_RFC4716_BEGIN):
        return _from_blob(_rfc4716_blob(text), "")
    tokens = text.split()
    if len(tokens) == 1:
        return _from_blob(_decode(tokens[0]), "")
    key_type, data, comment = tokens[0], tokens[1], " ".join(tokens[2:])
    blob = _decode(data)
    if _blob_type(blob) != key_type:
        raise ValueError("the key type does not match the key data")
    return _from_blob(blob, comment)


def md5_fingerprint(blob: bytes) -> str:
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def normalize_fingerprint(text: str) -> str:
    """A fingerprint as a filter may give it: with or without colons or ``MD5:``, any case."""
    lowered = text.strip().lower().removeprefix("md5:")
    return lowered.replace(":", "")


# -- helpers -------------------------------------------------------------------------------------


def _from_pem(text: str) -> PublicKey:
    try:
        key = serialization.load_pem_public_key(text.encode("utf-8"))
    except (ValueError, UnsupportedAlgorithm):
        raise ValueError("not a PEM public key") from None
    return _from_key(key, "")


def _from_blob(blob: bytes, comment: str) -> PublicKey:
    line = f"{_blob_type(blob)} {base64.b64encode(blob).decode('ascii')}".encode("ascii")
    try:
        key = serialization.load_ssh_public_key(line)
    except (ValueError, UnsupportedAlgorithm):
        raise ValueError("not an SSH public key") from None
    return _from_key(key, comment)


def _from_key(key: PublicKeyTypes, comment: str) -> PublicKey:
    try:
        line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # keys OpenSSH cannot carry (DH, X25519 ...)
        raise ValueError("not a key type SSH uses") from None
    key_type, data = line.decode("ascii").split(" ", 1)
    blob = base64.b64decode(data)
    openssh = f"{key_type} {data}" + (f" {comment}" if comment else "")
    return PublicKey(openssh, md5_fingerprint(blob))


def _decode(data: str) -> bytes:
    if not _BASE64.fullmatch(data):
        raise ValueError("not base64")
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error:
        raise ValueError("not base64") from None


def _blob_type(blob: bytes) -> str:
    """The key type an SSH public key blob names first (a length-prefixed string)."""
    if len(blob) < 4:
        raise ValueError("too short for a key")
    (length,) = struct.unpack(">I", blob[:4])
    name = blob[4 : 4 + length]
    if length == 0 or len(name) != length or not name.isascii():
        raise ValueError("no key type")
    return name.decode("ascii")


def _rfc4716_blob(text: str) -> bytes:
    lines = [line.strip() for line in text.splitlines()]
    if _RFC4716_END not in lines:
        raise ValueError("an RFC 4716 block without its end line")
    body: list[str] = []
    continued = False
    for line in lines[1 : lines.index(_RFC4716_END)]:
        # headers ("Comment: ...") may run over lines ending in a backslash
        if continued or ":" in line:
            continued = line.endswith("\\")
            continue
        body.append(line)
    return _decode("".join(body))
