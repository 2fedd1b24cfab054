"""Remove access keys, security tokens and signatures from any text before it reaches an error, an output or a log.

Vendors echo secrets back in error messages (Alibaba's SignatureDoesNotMatch returns the whole
string-to-sign, security token included), so every vendor message passes through `redact`.
Two layers: the values of the credentials this process can see, removed wherever they appear,
and the shapes of keys, tokens and signatures, removed whatever their value.
"""
from __future__ import annotations

import os
import re

HIDDEN = "[redacted]"
_NAMES = (r"AccessKeyId|AccessKeySecret|AccessKey|SecretId|SecretKey|SecurityToken|Security-Token|SessionToken|"
          r"Token|Signature|SignatureNonce|Authorization|Credential|X-TC-Token|x-acs-security-token|sig|"
          r"client_secret|password|Access|ak|sk")
_SHAPES = (
    # Alibaba echoes the whole string-to-sign after this phrase: everything after it goes
    re.compile(r"(?i)(string[ -]?to[ -]?sign(?: is)?\s*[:=]?\s*).*", re.S),
    # name=value, name%3Dvalue, "name": "value", name: value
    re.compile(rf"(?i)\b({_NAMES})(\s*(?:=|%3D|%253D|\"?\s*:\s*\"?)\s*)([^\s&\"',;%]+(?:%[0-9A-F]{{2}}[^\s&\"',;%]*)*)"),
    re.compile(r"(?i)(\bBearer\s+)[A-Za-z0-9._~+/=\-]+"),
    re.compile(r"\bLTAI[A-Za-z0-9]{12,40}\b"),  # Alibaba access key ids
    re.compile(r"\bSTS\.[A-Za-z0-9]{10,}\b"),  # Alibaba STS key ids
    re.compile(r"\bAKID[A-Za-z0-9]{16,}\b"),  # Tencent secret ids
    re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+"),  # JWTs (Azure tokens, OIDC)
)
MIN_SECRET = 8  # shorter values would redact ordinary words


def _known_values() -> list[str]:
    """The values of every credential variable any cloud declares (each vendor's auth.py), longest first."""
    from .registry import credential_env_names  # lazily: the registry's errors module imports this one

    values = {os.environ.get(name, "") for name in credential_env_names()}
    return sorted((v for v in values if len(v) >= MIN_SECRET), key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every credential value and every key, token or signature shape replaced by [redacted]."""
    if not text:
        return text
    for value in _known_values():
        text = text.replace(value, HIDDEN)
    for shape in _SHAPES:
        if shape.groups >= 2:
            text = shape.sub(lambda m: m.group(1) + m.group(2) + HIDDEN, text)
        elif shape.groups == 1:
            text = shape.sub(lambda m: m.group(1) + HIDDEN, text)
        else:
            text = shape.sub(HIDDEN, text)
    return text
