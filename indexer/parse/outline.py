"""Recognising headings, page marks and wrapped lines in report text.

Chinese reports number their sections ``一、`` > ``（一）`` > ``1.``/``1、`` > ``（1）``; ``附件``
and ``第一部分`` restart the outline. Numbered *list items* look the same as headings, so a
candidate is a heading only when it is short and reads like a title, not a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_NUM = "一二三四五六七八九十"

# (rank, pattern): lower rank = higher in the outline.
_HEADING_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, re.compile(r"^附件\s*[:：]?\s*\d{0,2}")),
    (0, re.compile(rf"^第[{_CN_NUM}]{{1,3}}(部分|章)")),
    (1, re.compile(rf"^[{_CN_NUM}]{{1,3}}\s*[、.．]")),
    (2, re.compile(rf"^[（(]\s*[{_CN_NUM}]{{1,3}}\s*[)）]")),
    (3, re.compile(r"^\d{1,2}\s*(?:、|[.．](?!\d))")),
    (4, re.compile(r"^[（(]\s*\d{1,2}\s*[)）]")),
)
_RUN_IN_LIST = re.compile(rf"^([{_CN_NUM}]是|第[{_CN_NUM}]{{1,2}}[，,、]|其[一二三四五])")
_TERMINAL = "。！？；;!?…"
_LABEL_LINE = re.compile(r"^[\u4e00-\u9fff（）()]{2,14}[:：]")
_DATE = re.compile(r"(20\d{2})\s*[年.\-/．]\s*(\d{1,2})\s*[月.\-/．]\s*(\d{1,2})\s*日?")
_DATE_LINE = re.compile(r"^\s*(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_PAGE_MARK = re.compile(
    r"^\s*(?:[—–\-－─]+\s*\d{1,4}\s*[—–\-－─]+"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/、]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|[-–—]?\s*\d{1,4}\s*[-–—]?"
    r"|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$",
    re.IGNORECASE,
)
MAX_HEADING_CHARS = 40


@dataclass(frozen=True)
class HeadingMatch:
    rank: int
    text: str


def heading_rank(text: str) -> int | None:
    """The numbering rank of a line that *starts* like a heading, whatever its length."""
    found = _numbering(text)
    return found[0] if found else None


def _numbering(text: str) -> tuple[int, str] | None:
    """(rank, the text after the numbering) for a numbered line."""
    for rank, pattern in _HEADING_PATTERNS:
        m = pattern.match(text)
        if m:
            return rank, text[m.end() :].strip()
    return None


def match_heading(text: str) -> HeadingMatch | None:
    """A heading if the line is numbered and reads like a title, not a sentence or list item."""
    found = _numbering(text)
    if found is None:
        return None
    rank, body = found
    if rank == 0:
        # 附件 lines are headings whatever follows (``附件：1. …基础数据表``).
        return HeadingMatch(rank, text) if len(text) <= 80 else None
    if len(text) > MAX_HEADING_CHARS or "。" in text or text[-1] in _TERMINAL + "，,：:":
        return None
    if not body:
        return None
    if rank >= 3 and body.endswith("表"):
        return None  # an attachment list line naming a table, not a section
    return HeadingMatch(rank, text)


def is_page_mark(text: str) -> bool:
    return bool(_PAGE_MARK.match(text))


def is_label_line(text: str) -> bool:
    """``部门（单位）名称：…``, ``填表人：…``: form fields, never joined to their neighbours."""
    return bool(_LABEL_LINE.match(text))


def is_date_line(text: str) -> bool:
    return bool(_DATE_LINE.match(text))


def find_date(text: str) -> str | None:
    """The first date in ``text`` as ISO ``YYYY-MM-DD`` (``2024. 4. 20`` and ``2024年4月20日``)."""
    m = _DATE.search(text)
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def starts_new_paragraph(text: str) -> bool:
    """Whether a line can only be the start of something (numbered, ``一是``, a label)."""
    return (
        heading_rank(text) is not None
        or bool(_RUN_IN_LIST.match(text))
        or is_label_line(text)
        or is_date_line(text)
        or is_page_mark(text)
    )


def ends_paragraph(text: str) -> bool:
    """Whether a line is complete on its own: terminal punctuation, a title, a heading."""
    stripped = text.rstrip("”’\"'）)】」』")
    return (
        not stripped
        or stripped[-1] in _TERMINAL + "：:"
        or text.endswith(("报告", "表"))
        or match_heading(text) is not None
        or is_label_line(text)
        or is_date_line(text)
        or is_page_mark(text)
    )


def should_join(first: str, second: str) -> bool:
    """Whether ``second`` continues ``first`` (a paragraph broken by a page or line end).

    A form field (``部门（单位）名称：…保障``) can wrap too, but only onto a short tail that
    completes the name (``局``).
    """
    if starts_new_paragraph(second):
        return False
    if is_label_line(first) and not first.rstrip().endswith(("：", ":")):
        return len(second) <= 8 and not any(ch in second for ch in "：:。，,")
    return not ends_paragraph(first)
