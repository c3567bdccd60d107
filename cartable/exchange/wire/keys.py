"""A box's or a hub's identity: an Ed25519 key pair that signs the bundles it sends and an
X25519 key pair that the bundles sent to it are encrypted to (both from ``cryptography``).

The public half travels as one line of text, ``cartable1:`` then the base32 of the two public
keys (signing, then encryption); the fingerprint that staff read aloud is the first 100 bits of
a SHA-256 of both, in base32, as five groups of four characters (``ABCD-EFGH-…``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

KEY_BYTES = 32
PUBLIC_PREFIX = "cartable1:"
PRIVATE_PREFIX = "cartable-private1:"
FINGERPRINT_DOMAIN = b"cartable fingerprint v1\x00"


class KeyTextError(ValueError):
    """A key's text is not a Cartable key."""


@dataclass(frozen=True, slots=True)
class PublicIdentity:
    signing: bytes  # Ed25519 public key, 32 bytes
    encryption: bytes  # X25519 public key, 32 bytes

    def __post_init__(self) -> None:
        if len(self.signing) != KEY_BYTES or len(self.encryption) != KEY_BYTES:
            raise KeyTextError("a public key is 32 bytes")

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(FINGERPRINT_DOMAIN + self.signing + self.encryption).digest()
        text = base64.b32encode(digest).decode("ascii")[:20]
        return "-".join(text[i : i + 4] for i in range(0, 20, 4))

    def text(self) -> str:
        return PUBLIC_PREFIX + base64.b32encode(self.signing + self.encryption).decode(
            "ascii"
        ).rstrip("=")

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.signing).verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def encryption_key(self) -> X25519PublicKey:
        return X25519PublicKey.from_public_bytes(self.encryption)


@dataclass(frozen=True, slots=True)
class PrivateIdentity:
    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey

    @classmethod
    def generate(cls) -> PrivateIdentity:
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @property
    def public(self) -> PublicIdentity:
        return PublicIdentity(
            self.signing.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
            self.encryption.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
        )

    def sign(self, data: bytes) -> bytes:
        return self.signing.sign(data)

    def text(self) -> str:
        raw = self.signing.private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        ) + self.encryption.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return PRIVATE_PREFIX + raw.hex()


def normalise_fingerprint(text: str) -> str:
    """What staff type, read aloud: case, spaces and dashes do not matter."""
    plain = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def parse_public(text: str) -> PublicIdentity:
    text = "".join(text.split())
    if not text.startswith(PUBLIC_PREFIX):
        raise KeyTextError("a public key starts with " + PUBLIC_PREFIX)
    body = text[len(PUBLIC_PREFIX) :].upper()
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError) as error:
        raise KeyTextError("a public key is base32 text") from error
    if len(raw) != 2 * KEY_BYTES:
        raise KeyTextError("a public key holds two 32-byte keys")
    return PublicIdentity(raw[:KEY_BYTES], raw[KEY_BYTES:])


def parse_private(text: str) -> PrivateIdentity:
    text = text.strip()
    if not text.startswith(PRIVATE_PREFIX):
        raise KeyTextError("a private key starts with " + PRIVATE_PREFIX)
    try:
        raw = bytes.fromhex(text[len(PRIVATE_PREFIX) :])
    except ValueError as error:
        raise KeyTextError("a private key is hexadecimal text") from error
    if len(raw) != 2 * KEY_BYTES:
        raise KeyTextError("a private key holds two 32-byte keys")
    return PrivateIdentity(
        Ed25519PrivateKey.from_private_bytes(raw[:KEY_BYTES]),
        X25519PrivateKey.from_private_bytes(raw[KEY_BYTES:]),
    )
