"""Small helpers shared by the Tencent tests."""
from __future__ import annotations

import json
from typing import Any


def request(model_cls: type, **params: Any) -> Any:
    """An SDK request model filled the way the SDK's own from_json_string does (nested models included)."""
    model = model_cls()
    model.from_json_string(json.dumps(params))
    return model
