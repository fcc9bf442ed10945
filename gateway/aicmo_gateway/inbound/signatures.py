"""The public-key signature checks the provider webhooks need, through ``cryptography``:
RSA PKCS#1 v1.5 over an X.509 certificate (SNS, SHA-1 and SHA-256) and ECDSA P-256 with
SHA-256 (SendGrid's Event Webhook). Verification only; every failure is a plain False or an
``InvalidKey`` with what was wrong, never an exception from the library."""

from __future__ import annotations

import base64
import binascii

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

_HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256}


class InvalidKey(ValueError):
    """The certificate or public key could not be read, or is not of the kind expected."""


def rsa_key_from_certificate(pem: bytes | str) -> rsa.RSAPublicKey:
    """The RSA key of a PEM X.509 certificate (at least 1,024 bits)."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = x509.load_pem_x509_certificate(data).public_key()
    except ValueError as error:
        raise InvalidKey("not a PEM X.509 certificate") from error
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidKey("the certificate's key is not RSA")
    if key.key_size < 1024:
        raise InvalidKey("unusable RSA key")
    return key


def verify_rsa_pkcs1v15(key: rsa.RSAPublicKey, message: bytes, signature: bytes,
                        hash_name: str) -> bool:
    """True when ``signature`` is the RSASSA-PKCS1-v1_5 signature of ``message``."""
    algorithm = _HASHES.get(hash_name)
    if algorithm is None:
        return False
    try:
        key.verify(signature, message, padding.PKCS1v15(), algorithm())
    except (InvalidSignature, ValueError):
        return False
    return True


def ec_p256_key(public_key: bytes | str) -> ec.EllipticCurvePublicKey:
    """A P-256 public key given as base64 DER SubjectPublicKeyInfo (what SendGrid shows) or
    as PEM."""
    text = public_key.decode("ascii", "replace") if isinstance(public_key, bytes) \
        else public_key
    try:
        if "-----BEGIN" in text:
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = serialization.load_der_public_key(
                base64.b64decode("".join(text.split()), validate=True))
    except (binascii.Error, ValueError, TypeError) as error:
        raise InvalidKey("the public key is not a base64 DER or PEM public key") from error
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise InvalidKey("the public key is not an ECDSA P-256 key")
    return key


def verify_ecdsa_p256_sha256(key: ec.EllipticCurvePublicKey, message: bytes,
                             signature_der: bytes) -> bool:
    """True when ``signature_der`` (DER r, s) is an ECDSA P-256 SHA-256 signature of
    ``message`` by ``key``."""
    try:
        key.verify(signature_der, message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True
