"""Keys made with openssl for the webhook tests, and signing with them the way the providers do:
an RSA certificate standing in for SNS's, and an ECDSA P-256 key standing in for SendGrid's."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from aicmo_gateway.inbound.webhooks import sns_string_to_sign

SNS_CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:aicmo-ses-feedback"


def openssl(folder: Path, *args: str, data: bytes | None = None) -> bytes:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    return subprocess.run(["openssl", *args], cwd=folder, input=data, check=True,
                          capture_output=True, timeout=60).stdout


@dataclass
class Keys:
    folder: Path
    certificate: bytes  # PEM, self-signed RSA, as SNS serves at SigningCertURL
    sendgrid_public_key: str  # base64 DER SubjectPublicKeyInfo, as SendGrid shows it

    def rsa_sign(self, data: bytes, hash_name: str) -> bytes:
        return openssl(self.folder, "dgst", f"-{hash_name}", "-sign", "rsa.key", data=data)

    def ec_sign(self, data: bytes) -> bytes:
        return openssl(self.folder, "dgst", "-sha256", "-sign", "ec.key", data=data)

    def sns_envelope(self, message: dict | str, *, kind: str = "Notification",
                     version: str = "1", message_id: str = "5a1c3e4b-9f2d-5e6f-a7b8-c9d0e1f2a3b4",
                     topic: str = TOPIC_ARN, cert_url: str = SNS_CERT_URL) -> dict:
        envelope = {
            "Type": kind, "MessageId": message_id, "TopicArn": topic,
            "Message": message if isinstance(message, str) else json.dumps(message),
            "Timestamp": "2026-11-03T09:14:08.123Z", "SignatureVersion": version,
            "SigningCertURL": cert_url,
        }
        if kind == "Notification":
            envelope["UnsubscribeURL"] = ("https://sns.us-east-1.amazonaws.com/?Action="
                                          "Unsubscribe&SubscriptionArn=" + topic + ":x")
        else:
            envelope["Token"] = "2336412f37fb687f5d51e6e2425a8a5874b2f2a3f6b1c8e8"
            envelope["SubscribeURL"] = ("https://sns.us-east-1.amazonaws.com/?Action="
                                        "ConfirmSubscription&TopicArn=" + topic + "&Token=x")
        signature = self.rsa_sign(sns_string_to_sign(envelope),
                                  "sha1" if version == "1" else "sha256")
        envelope["Signature"] = base64.b64encode(signature).decode()
        return envelope


def make_keys(folder: Path) -> Keys:
    openssl(folder, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key",
            "-out", "rsa.crt", "-days", "1", "-subj", "/CN=sns.amazonaws.com")
    openssl(folder, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key")
    der = openssl(folder, "ec", "-in", "ec.key", "-pubout", "-outform", "DER")
    return Keys(folder, (folder / "rsa.crt").read_bytes(), base64.b64encode(der).decode())
