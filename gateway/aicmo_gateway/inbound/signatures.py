"""Public-key signature checks the provider webhooks need, and nothing else: RSA PKCS#1 v1.5
(SNS, SHA-1 and SHA-256) and ECDSA P-256 with SHA-256 (SendGrid).

Verification only, over public data, so there is no secret to leak through timing. It is kept
small and strict: the whole expected RSA encoding is built and compared (no lenient parse of
the decrypted block, the source of the classic e=3 forgeries), ECDSA checks that r and s are in
range and that the key is a point on the curve. DER is read by a minimal reader that refuses
anything it does not expect.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re


class InvalidKey(ValueError):
    """The certificate or public key could not be read."""


# -- DER ----------------------------------------------------------------------------------

def _tlv(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the DER element at ``offset``."""
    if offset + 2 > len(data):
        raise InvalidKey("truncated DER")
    tag, length = data[offset], data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or offset + count > len(data):
            raise InvalidKey("bad DER length")
        length = int.from_bytes(data[offset:offset + count], "big")
        offset += count
    if offset + length > len(data):
        raise InvalidKey("truncated DER")
    return tag, offset, offset + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    items, offset = [], start
    while offset < end:
        item = _tlv(data, offset)
        items.append(item)
        offset = item[2]
    return items


def _sequence(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[int, int, int]]:
    tag, value_start, value_end = _tlv(data, start)
    if tag != 0x30 or (end is not None and value_end > end):
        raise InvalidKey("expected a DER SEQUENCE")
    return _children(data, value_start, value_end)


def _integer(data: bytes, item: tuple[int, int, int]) -> int:
    tag, start, end = item
    if tag != 0x02 or start == end:
        raise InvalidKey("expected a DER INTEGER")
    return int.from_bytes(data[start:end], "big", signed=True)


_RSA_OID = bytes.fromhex("2a864886f70d010101")
_EC_OID = bytes.fromhex("2a8648ce3d0201")
_P256_OID = bytes.fromhex("2a8648ce3d030107")


def _spki(data: bytes, item: tuple[int, int, int] | None = None) -> tuple[bytes, bytes, bytes]:
    """(algorithm OID, parameters OID or b"", key bits) of a SubjectPublicKeyInfo: ``item``
    inside ``data``, or the whole of ``data``."""
    if item is None:
        item = _tlv(data, 0)
    if item[0] != 0x30:
        raise InvalidKey("expected a SubjectPublicKeyInfo")
    elements = _children(data, item[1], item[2])
    if len(elements) != 2 or elements[0][0] != 0x30:
        raise InvalidKey("expected an algorithm and a key")
    algorithm, bits = elements
    fields = _children(data, algorithm[1], algorithm[2])
    if not fields or fields[0][0] != 0x06:
        raise InvalidKey("expected an algorithm identifier")
    oid = data[fields[0][1]:fields[0][2]]
    params = data[fields[1][1]:fields[1][2]] if len(fields) > 1 and fields[1][0] == 0x06 else b""
    if bits[0] != 0x03 or bits[2] - bits[1] < 2 or data[bits[1]] != 0:
        raise InvalidKey("expected a BIT STRING key")
    return oid, params, data[bits[1] + 1:bits[2]]


def pem_to_der(text: bytes | str, label: str = "CERTIFICATE") -> bytes:
    value = text.decode("ascii", "replace") if isinstance(text, bytes) else text
    match = re.search(rf"-----BEGIN {label}-----(.+?)-----END {label}-----", value, re.DOTALL)
    if match is None:
        raise InvalidKey(f"no PEM {label}")
    try:
        return base64.b64decode("".join(match.group(1).split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidKey("bad PEM base64") from error


def rsa_key_from_certificate(pem: bytes | str) -> tuple[int, int]:
    """(n, e) of the RSA key of a PEM X.509 certificate."""
    der = pem_to_der(pem)
    try:
        tbs = _sequence(der)[0]
        fields = _children(der, tbs[1], tbs[2])
        if fields and fields[0][0] == 0xA0:  # [0] EXPLICIT version
            fields = fields[1:]
        # serial, signature algorithm, issuer, validity, subject, then the key
        oid, _, key = _spki(der, fields[5])
    except (IndexError, ValueError) as error:
        raise InvalidKey("not an X.509 certificate") from error
    if oid != _RSA_OID:
        raise InvalidKey("the certificate's key is not RSA")
    modulus, exponent = _sequence(key)[:2]
    n, e = _integer(key, modulus), _integer(key, exponent)
    if n <= 0 or e <= 1 or n.bit_length() < 1024:
        raise InvalidKey("unusable RSA key")
    return n, e


_DIGEST_INFO = {
    "sha1": bytes.fromhex("3021300906052b0e03021a05000414"),
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
}


def verify_rsa_pkcs1v15(key: tuple[int, int], message: bytes, signature: bytes,
                        hash_name: str) -> bool:
    """True when ``signature`` is the RSASSA-PKCS1-v1_5 signature of ``message``."""
    n, e = key
    size = (n.bit_length() + 7) // 8
    if len(signature) != size or hash_name not in _DIGEST_INFO:
        return False
    value = int.from_bytes(signature, "big")
    if value >= n:
        return False
    encoded = pow(value, e, n).to_bytes(size, "big")
    digest = _DIGEST_INFO[hash_name] + hashlib.new(hash_name, message).digest()
    padding = size - 3 - len(digest)
    if padding < 8:
        return False
    expected = b"\x00\x01" + b"\xff" * padding + b"\x00" + digest
    return hmac.compare_digest(encoded, expected)


# -- ECDSA P-256 --------------------------------------------------------------------------

_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
_A = _P - 3
_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
      0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)

Point = tuple[int, int] | None  # None is the point at infinity


def _on_curve(point: tuple[int, int]) -> bool:
    x, y = point
    return 0 <= x < _P and 0 <= y < _P and (y * y - (x * x * x + _A * x + _B)) % _P == 0


def _add(p: Point, q: Point) -> Point:
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % _P == 0:
        return None
    if p == q:
        slope = (3 * p[0] * p[0] + _A) * pow(2 * p[1], -1, _P) % _P
    else:
        slope = (q[1] - p[1]) * pow(q[0] - p[0], -1, _P) % _P
    x = (slope * slope - p[0] - q[0]) % _P
    return x, (slope * (p[0] - x) - p[1]) % _P


def _multiply(scalar: int, point: Point) -> Point:
    result: Point = None
    addend = point
    while scalar:
        if scalar & 1:
            result = _add(result, addend)
        addend = _add(addend, addend)
        scalar >>= 1
    return result


def ec_p256_key(public_key: bytes | str) -> tuple[int, int]:
    """The point of a P-256 public key given as base64 DER SubjectPublicKeyInfo (what
    SendGrid shows) or as PEM."""
    if isinstance(public_key, str) and "-----BEGIN" in public_key:
        der = pem_to_der(public_key, "PUBLIC KEY")
    else:
        try:
            der = base64.b64decode("".join(str(public_key if isinstance(public_key, str)
                                               else public_key.decode()).split()),
                                   validate=True)
        except (binascii.Error, ValueError, UnicodeDecodeError) as error:
            raise InvalidKey("the public key is not base64") from error
    oid, params, bits = _spki(der)
    if oid != _EC_OID or params != _P256_OID:
        raise InvalidKey("the public key is not an ECDSA P-256 key")
    if len(bits) != 65 or bits[0] != 4:
        raise InvalidKey("the public key is not an uncompressed point")
    point = int.from_bytes(bits[1:33], "big"), int.from_bytes(bits[33:], "big")
    if not _on_curve(point):
        raise InvalidKey("the public key is not on the curve")
    return point


def verify_ecdsa_p256_sha256(key: tuple[int, int], message: bytes, signature_der: bytes
                             ) -> bool:
    """True when ``signature_der`` (DER r, s) is an ECDSA P-256 SHA-256 signature of
    ``message`` by ``key``."""
    try:
        r_item, s_item = _sequence(signature_der)
        r, s = _integer(signature_der, r_item), _integer(signature_der, s_item)
    except (InvalidKey, ValueError):
        return False
    if not (1 <= r < _N and 1 <= s < _N):
        return False
    e = int.from_bytes(hashlib.sha256(message).digest(), "big")
    w = pow(s, -1, _N)
    point = _add(_multiply(e * w % _N, _G), _multiply(r * w % _N, key))
    return point is not None and point[0] % _N == r
