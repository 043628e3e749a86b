"""SSH key material: generated keys, the public key forms ImportKeyPair reads, and ECS's
MD5 fingerprints."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ecsim.control.key_material import (
    generate_rsa_key,
    md5_fingerprint,
    normalize_fingerprint,
    parse_public_key,
)


def _openssh(
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey,
) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def _md5_of_line(line: str) -> str:
    digest = hashlib.md5(base64.b64decode(line.split()[1]), usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def test_generated_key_is_pkcs1_pem_matching_its_public_key() -> None:
    generated = generate_rsa_key()
    pem = generated.private_key_pem
    assert pem.startswith("-----BEGIN RSA PRIVATE KEY-----\nMIIE")
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey) and private.key_size == 2048
    assert generated.public_key.openssh == _openssh(private)
    assert generated.public_key.fingerprint == _md5_of_line(generated.public_key.openssh)


def test_fingerprint_is_colon_separated_md5() -> None:
    assert md5_fingerprint(b"") == "d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e"
    assert normalize_fingerprint("MD5:D4:1D:8C") == normalize_fingerprint("d41d8c") == "d41d8c"


def test_openssh_lines_of_each_key_type_keep_their_comment() -> None:
    for key in (
        rsa.generate_private_key(public_exponent=65537, key_size=1024),
        ed25519.Ed25519PrivateKey.generate(),
        ec.generate_private_key(ec.SECP256R1()),
    ):
        line = _openssh(key)
        parsed = parse_public_key(f"  {line} me@laptop\n")
        assert parsed.openssh == f"{line} me@laptop"
        assert parsed.fingerprint == _md5_of_line(line)


def test_bare_blob_rfc4716_and_pem_forms_are_read() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    line = _openssh(key)
    blob = line.split()[1]
    assert parse_public_key(blob).openssh == line
    rfc4716 = "\n".join(
        [
            "---- BEGIN SSH2 PUBLIC KEY ----",
            'Comment: "a long \\',
            'comment"',
            blob[:40],
            blob[40:],
            "---- END SSH2 PUBLIC KEY ----",
        ]
    )
    assert parse_public_key(rfc4716).openssh == line
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    for pem_format in (
        serialization.PublicFormat.SubjectPublicKeyInfo,
        serialization.PublicFormat.PKCS1,
    ):
        pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM, pem_format).decode()
        assert parse_public_key(pem).openssh == _openssh(rsa_key)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ssh-rsa",
        "ssh-rsa not-base64!",
        "ssh-rsa AAAA",
        "hello world",
        "x" * 20000,
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        "---- BEGIN SSH2 PUBLIC KEY ----\nAAAA",
    ],
)
def test_malformed_public_keys_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_public_key(text)


def test_private_keys_and_mismatched_types_are_refused() -> None:
    with pytest.raises(ValueError):
        parse_public_key(generate_rsa_key().private_key_pem)
    blob = _openssh(ed25519.Ed25519PrivateKey.generate()).split()[1]
    with pytest.raises(ValueError):
        parse_public_key(f"ssh-rsa {blob}")
