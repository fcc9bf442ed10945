"""A throwaway CA and one certificate, made with openssl, for TLS tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def make_certificates(folder: Path, name: str = "venture") -> dict[str, Path]:
    """A CA, and a certificate for ``name`` good for server and client use; skips the test
    when openssl is not installed. Keys: CERT, KEY, CA."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
            "-subj", "/CN=aicmo test CA", cwd=folder)
    openssl("req", *curve, "-keyout", "tls.key", "-out", "tls.csr", "-subj", f"/CN={name}",
            cwd=folder)
    (folder / "extensions").write_text(f"subjectAltName=DNS:{name}\n"
                                       "extendedKeyUsage=serverAuth,clientAuth\n")
    openssl("x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "tls.crt", "-days", "1", "-extfile", "extensions",
            cwd=folder)
    return {"CERT": folder / "tls.crt", "KEY": folder / "tls.key", "CA": folder / "ca.crt"}
