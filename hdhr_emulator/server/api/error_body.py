"""The error shape as a model, for routes to document their 4xx answers in the OpenAPI document
(the body itself is written by :mod:`.errors`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    """``{"error": "one line", "detail": ...}``."""

    error: str
    detail: Any = None
