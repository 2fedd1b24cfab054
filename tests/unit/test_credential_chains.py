"""The vendors' own credential chains behind the environment names (cloud profile, no simulator)."""
from __future__ import annotations

from pathlib import Path

import pytest
from imageforge.providers.core import credentials, errors
from imageforge.providers.core.model import CredentialChoice
from imageforge.providers.tencent.auth import CREDENTIALS as TENCENT

TENCENT_ENV = ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN",
               "TENCENTCLOUD_SECURITY_TOKEN", "TKE_REGION")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in TENCENT_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_the_sdk_default_chain_reads_the_profile_file_when_the_environment_is_empty(home: Path) -> None:
    (home / ".tencentcloud").mkdir()
    (home / ".tencentcloud" / "credentials").write_text("[default]\nsecret_id = AKIDfromfile\nsecret_key = file-key\n"
                                                        "[ci]\nsecret_id = AKIDci\nsecret_key = ci-key\n")
    assert credentials.resolve(TENCENT).get("secret_id") == "AKIDfromfile"
    chosen = credentials.resolve(TENCENT, choice=CredentialChoice(profile="ci"))
    assert chosen.get("secret_id") == "AKIDci" and "ci-key" not in repr(chosen)


def test_nothing_anywhere_names_each_piece_every_source_and_what_each_said(home: Path) -> None:
    with pytest.raises(errors.CredentialsMissing) as caught:
        credentials.resolve(TENCENT)
    message = str(caught.value)
    assert "the secret id from TENCENTCLOUD_SECRET_ID" in message
    assert "~/.tencentcloud/credentials" in message and "TKE_ROLE_ARN" in message and "Tried:" in message


def test_a_profile_that_is_not_there_lists_the_sections_that_are(home: Path) -> None:
    (home / ".tencentcloud").mkdir()
    (home / ".tencentcloud" / "credentials").write_text("[default]\nsecret_id = AKIDx\nsecret_key = k\n")
    with pytest.raises(errors.CredentialsMissing) as caught:
        credentials.resolve(TENCENT, choice=CredentialChoice(profile="prod"))
    assert "profile 'prod' is not a section of" in str(caught.value) and "sections: default" in str(caught.value)
