"""A local certificate authority for the HTTPS listener (Azure only speaks HTTPS), kept in the home folder."""
from __future__ import annotations

import ssl
from pathlib import Path


def server_context(home: Path) -> tuple[ssl.SSLContext, Path] | None:
    """An SSL context for 127.0.0.1 and the CA file clients must trust; None without `trustme`."""
    try:
        import trustme
    except ImportError:
        return None
    ca_cert, ca_key = home / "ca.pem", home / "ca-key.pem"
    if ca_cert.exists() and ca_key.exists():
        ca = trustme.CA.from_pem(ca_cert.read_bytes(), ca_key.read_bytes())
    else:
        ca = trustme.CA(organization_name="imageforge simulator")
        ca.cert_pem.write_to_path(str(ca_cert))
        ca.private_key_pem.write_to_path(str(ca_key))
        ca_key.chmod(0o600)
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context, ca_cert
