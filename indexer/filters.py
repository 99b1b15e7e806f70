"""Search filters written by people (``2023``, ``2021-2023``, ``table,indicator``) parsed
once for the CLI and the HTTP API."""

from __future__ import annotations

import re

from .errors import BadRequest

_YEAR_RANGE = re.compile(r"^\s*(\d{4})\s*(?:-|–|~|\.\.|至)\s*(\d{4})\s*$")


def parse_years(value: str | int | None) -> tuple[int | None, int | None]:
    """``2023`` → (2023, 2023); ``2021-2023`` → (2021, 2023); empty → (None, None)."""
    if value is None or str(value).strip() == "":
        return None, None
    text = str(value).strip()
    if text.isdigit() and len(text) == 4:
        return int(text), int(text)
    m = _YEAR_RANGE.match(text)
    if m:
        low, high = sorted((int(m.group(1)), int(m.group(2))))
        return low, high
    raise BadRequest(f"年度格式不正确：{text}（例如 2023 或 2021-2023）", field="year")


def parse_kinds(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    kinds = [k.strip() for item in items for k in item.split(",") if k.strip()]
    return tuple(dict.fromkeys(kinds))
