"""Typed errors. The CLI turns them into one line and an exit code, the service into a JSON body.

Every error carries a stable machine ``code`` and a human ``message`` (Chinese UI text is added
at the edges); ``detail`` holds structured context such as the offending file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class JixiaoError(Exception):
    """Base of every error the product raises on purpose."""

    code = "error"
    status = 500  # HTTP status used by the service
    exit_code = 1  # process exit code used by the CLI

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class InputError(JixiaoError):
    """Something about a file the user gave us is wrong; it is reported by name and skipped."""

    code = "bad_input"
    status = 422
    exit_code = 2

    def __init__(self, path: Path | str, reason: str, **detail: Any) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}", path=self.path, **detail)


class UnsupportedFormat(InputError):
    code = "unsupported_format"
    status = 415


class EmptyDocument(InputError):
    code = "empty_document"


class EncryptedDocument(InputError):
    code = "encrypted_document"


class ParseError(InputError):
    """The file claims a format but cannot be read as one (truncated, corrupt, fake)."""

    code = "parse_error"


class EncodingError(InputError):
    code = "unknown_encoding"


class IndexNotFound(JixiaoError):
    code = "index_not_found"
    status = 503
    exit_code = 2


class IndexFormatError(JixiaoError):
    code = "index_format"
    status = 500
    exit_code = 2


class ModelMismatch(JixiaoError):
    code = "model_mismatch"
    status = 500
    exit_code = 2


class EmptyQuery(JixiaoError):
    code = "empty_query"
    status = 400
    exit_code = 2


class BadRequest(JixiaoError):
    code = "bad_request"
    status = 400
    exit_code = 2


class ConfigError(JixiaoError):
    code = "config_error"
    exit_code = 2
