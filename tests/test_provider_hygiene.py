"""What reaches Pulumi state: providers pickle small and without secrets; importing loads no SDK."""
from __future__ import annotations

import base64
import subprocess
import sys

import pytest

import imageforge.providers as providers
from tests.engine import serialized

SECRETS = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIsecretkeyid0001", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "alibaba-secret-value-0001",
    "TENCENTCLOUD_SECRET_ID": "AKIDsecretid0001", "TENCENTCLOUD_SECRET_KEY": "tencent-secret-value-0001",
    "HUAWEICLOUD_SDK_AK": "HWAKsecret0001", "HUAWEICLOUD_SDK_SK": "huawei-secret-value-0001",
    "AZURE_CLIENT_SECRET": "azure-secret-value-0001",
}
PROVIDER_CLASSES = [getattr(providers, n) for n in providers.__all__ if n.endswith("Provider")]


@pytest.mark.parametrize("cls", PROVIDER_CLASSES, ids=lambda c: c.__name__)
def test_serialized_provider_is_small_and_holds_no_secret(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    provider = cls()
    raw = base64.b64decode(serialized(provider))
    assert len(raw) < 4096
    for value in SECRETS.values():
        assert value.encode() not in raw


def test_every_public_resource_has_a_provider() -> None:
    names = set(providers.__all__)
    assert {"CustomImage", "ImageRegionSet"} <= names
    assert len(PROVIDER_CLASSES) >= 2


def test_import_loads_no_vendor_sdk() -> None:
    code = ("import sys, imageforge.providers, imageforge.components\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('aliyunsdkcore', 'aliyunsdkecs', 'alibabacloud_ecd20200930',"
            " 'tencentcloud', 'azure', 'huaweicloudsdkcore', 'huaweicloudsdkims', 'huaweicloudsdkecs', 'oss2', 'obs')]\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
