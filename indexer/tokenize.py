"""Chinese tokenization shared by the document and the query side.

An own ``jieba.Tokenizer`` (never the global ``jieba.dt``) with the domain dictionary shipped in
``indexer/data`` plus words learned from the corpus (unit and indicator names); search-mode
segmentation (``业委会`` also yields ``委会``); numbers kept findable with their units
(``3252台`` yields ``3252台`` and ``3252``). Offsets index the original text, for highlighting.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

_NUMBER = re.compile(
    r"\d+(?:\.\d+)?(?:%|％|万元|亿元|千元|元|万|亿|台|个|人|次|户|栋|家|项|分|年|月|日|天|所|名|件|"
    r"篇|场|期|套|辆|部|间|处|座|条|公里|千米|米|平方米|㎡|m²|亩|吨|小时|课时|人次|户次|余)?"
)
_UNIT_SPLIT = re.compile(r"^(\d+(?:\.\d+)?)(.+)$")
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
# Full-width ASCII folds to half-width one character for one, so offsets stay valid.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


def normalize(text: str) -> str:
    """Length-preserving normalisation: full-width → half-width, lower case."""
    return text.translate(_FOLD).lower()


class Tokenizer:
    """Segments text into search tokens. Loads its dictionary on first use, thread-safely."""

    def __init__(self, extra_words: Iterable[str] = (), cache_dir: Path | None = None) -> None:
        self._extra = sorted({w.strip() for w in extra_words if len(w.strip()) >= 2})
        self._cache_dir = cache_dir
        self._jieba: Any = None
        self._stop: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def _ensure(self) -> Any:
        if self._jieba is not None:
            return self._jieba
        with self._lock:
            if self._jieba is None:
                import jieba

                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                if self._cache_dir is not None:
                    self._cache_dir.mkdir(parents=True, exist_ok=True)
                    tk.tmp_dir = str(self._cache_dir)
                tk.initialize()
                data = resources.files("indexer") / "data"
                for line in (data / "domain_dict.txt").read_text(encoding="utf-8").splitlines():
                    parts = line.split()
                    if parts:
                        tk.add_word(parts[0], int(parts[1]) if len(parts) > 1 else 3000)
                for word in self._extra:
                    tk.add_word(word, 2000)
                stop = (data / "stopwords.txt").read_text(encoding="utf-8").split()
                self._stop = frozenset(stop)
                self._jieba = tk
        return self._jieba

    def add_words(self, words: Iterable[str]) -> None:
        """Learn names (units, indicators) so they are also kept whole as tokens."""
        new = [w.strip() for w in words if len(w.strip()) >= 2]
        with self._lock:
            if self._jieba is None:
                self._extra = sorted({*self._extra, *new})
                return
        for word in new:
            self._jieba.add_word(word, 2000)

    @property
    def stopwords(self) -> frozenset[str]:
        self._ensure()
        return self._stop

    def tokenize(self, text: str) -> list[Token]:
        """Search tokens with offsets into ``text`` (stop words and punctuation dropped)."""
        tk = self._ensure()
        norm = normalize(text)
        tokens: list[Token] = []
        pos = 0
        for m in _NUMBER.finditer(norm):
            tokens.extend(self._words(tk, norm[pos : m.start()], pos))
            tokens.extend(_number_tokens(m.group(0), m.start()))
            pos = m.end()
        tokens.extend(self._words(tk, norm[pos:], pos))
        return tokens

    def _words(self, tk: Any, chunk: str, offset: int) -> list[Token]:
        out: list[Token] = []
        if not chunk:
            return out
        for word, start, end in tk.tokenize(chunk, mode="search"):
            word = word.strip()
            if not word or not _WORD.search(word) or word in self._stop:
                continue
            out.append(Token(word, start + offset, end + offset))
        return out

    def terms(self, text: str) -> list[str]:
        """Token strings only, in order (what the keyword index stores)."""
        return [t.text for t in self.tokenize(text)]


def _number_tokens(number: str, start: int) -> list[Token]:
    tokens = [Token(number, start, start + len(number))]
    m = _UNIT_SPLIT.match(number)
    if m:
        bare = m.group(1)
        tokens.append(Token(bare, start, start + len(bare)))
    return tokens
