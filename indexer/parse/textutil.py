"""Text repairs shared by every reader: what PDF and Word extraction breaks in Chinese text."""

from __future__ import annotations

import re
import unicodedata

# CJK ideographs, CJK punctuation and full-width forms: no space belongs next to them.
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2018-\u201f\u2014\u2026"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0]+|[ \t\u00a0]+(?=[{_CJK}])")
_SPACED_DECIMAL = re.compile(r"^(-?\d+)\. (\d+%?)$")
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_MULTISPACE = re.compile(r"[ \t\u00a0]{2,}")

_LATIN = re.compile(r"[A-Za-z]")
CJK_CHAR = re.compile(rf"[{_CJK}]")


def clean_text(text: str) -> str:
    """Normalise one paragraph: drop extraction artefacts and the spaces PDF tools put around
    Chinese characters (``2023 年度`` → ``2023年度``), keep spaces between Latin words."""
    text = unicodedata.normalize("NFC", text)
    text = _BOOKMARK.sub("", text).replace("\u200b", "").replace("\ufeff", "")
    text = _SPACE_NEAR_CJK.sub("", text)
    text = _MULTISPACE.sub(" ", text)
    return text.strip()


def join_lines(lines: list[str]) -> str:
    """Join lines that wrapped inside one cell or paragraph: no space between Chinese pieces or
    digits (``运转经`` + ``费`` → ``运转经费``, ``(4`` + ``0分)`` → ``(40分)``), one between Latin
    words."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out and _LATIN.match(out[-1]) and _LATIN.match(line[0]):
            out += " "  # two Latin words; a number or Chinese text wrapped mid-way joins as is
        out += line
    return out


def clean_cell(text: str) -> str:
    """A table cell: wrapped lines joined, spaces near Chinese dropped, ``0. 41`` → ``0.41``."""
    cell = clean_text(join_lines(text.splitlines()))
    if cell == "\u3000":
        return ""
    return _SPACED_DECIMAL.sub(r"\1.\2", cell)


def is_blank(text: str) -> bool:
    return not text.replace("\u3000", "").strip()
