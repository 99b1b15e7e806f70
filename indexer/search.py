"""Retrieval: keyword (BM25 over jieba tokens), semantic (FAISS) and hybrid (RRF).

Filters narrow the candidates inside each index (not after the fact), results are deduplicated
(overlapping chunks of one section, row groups of one table), paginated, and counted by facet
over the whole result set. A unit or a year written in the query is a boost towards it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .chunks import SUMMARY_HEADING
from .embed import Embedder
from .errors import BadRequest, EmptyQuery
from .fusion import highlight_spans, reciprocal_rank_fusion
from .store import ChunkRow, ChunkScope, ReportRow, Store
from .tokenize import Tokenizer

MODES = ("hybrid", "keyword", "semantic")
KINDS = ("passage", "table", "indicator")
CANDIDATES = 200
RRF_K = 60
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_ASKS_RESULTS = re.compile(
    r"总分|得分|评分|自评结果|等级|预算|执行|支出总|在职|编制|人数|人员|多少人"
)
# Words many unit and project names share: a match made only of them names nothing.
_GENERIC_UNIT_PARTS = (
    # department names every region has: 宜都市人力资源和社会保障局 is named by 宜都市
    "人力资源和社会保障",
    "住房和城乡建设",
    "市场监督管理",
    "交通运输",
    "农业农村",
    "卫生健康",
    "生态环境",
    "自然资源",
    "文化旅游",
    "文化和旅游",
    "广播电视",
    "应急管理",
    "水利",
    "教育",
    "民政",
    "财政",
    "司法",
    "公安",
    "统计",
    "审计",
    "林业",
    "商务",
    "科学技术",
    "工业和信息化",
    "发展和改革",
    "专项资金",
    "资金",
    "项目",
    "建设",
    "工程",
    "中心",
    "管理",
    "服务",
    "局",
    "办公室",
    "委员会",
    "单位",
    "部门",
    "工作",
    "提升",
    "改造",
    "发展",
    "专项",
    "经费",
    "体系",
)


@dataclass(frozen=True)
class SearchRequest:
    query: str
    mode: str = "hybrid"
    top_k: int = 10
    offset: int = 0
    scope: ChunkScope = field(default_factory=ChunkScope)
    weights: dict[str, float] | None = None

    def validate(self) -> None:
        if not self.query or not self.query.strip():
            raise EmptyQuery("请输入要搜索的内容", field="q")
        if self.mode not in MODES:
            raise BadRequest(f"未知的检索方式 {self.mode}（可选 {'、'.join(MODES)}）", field="mode")
        if not 1 <= self.top_k <= 100:
            raise BadRequest("top_k 必须在 1 到 100 之间", field="top_k")
        if self.offset < 0:
            raise BadRequest("offset 不能为负数", field="offset")
        for kind in self.scope.kinds:
            if kind not in KINDS:
                raise BadRequest(f"未知的结果类型 {kind}（可选 {'、'.join(KINDS)}）", field="kind")


@dataclass(frozen=True)
class Hit:
    chunk_id: int
    score: float
    kind: str
    text: str
    report: ReportRow
    heading: str
    path: tuple[str, ...]
    page: int | None
    highlights: list[tuple[int, int]]
    table: dict[str, Any] | None = None
    section_id: int | None = None
    indicator_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The result contract of ``/api/search`` and ``jixiao search --json``."""
        return {
            "text": self.text,
            "score": round(self.score, 6),
            "kind": self.kind,
            "report": self.report.ref(),
            "section": {"heading": self.heading, "path": list(self.path), "id": self.section_id},
            "page": self.page,
            "highlights": [list(span) for span in self.highlights],
            "table": self.table,
            "chunk_id": self.chunk_id,
            "indicator_id": self.indicator_id,
        }


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    took_ms: float
    query_terms: list[str]
    boosts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, request: SearchRequest) -> dict[str, Any]:
        return {
            "query": request.query,
            "mode": request.mode,
            "total": self.total,
            "offset": request.offset,
            "top_k": request.top_k,
            "results": [h.to_dict() for h in self.hits],
            "facets": self.facets,
            "took_ms": round(self.took_ms, 2),
            "query_terms": self.query_terms,
            "boosts": self.boosts,
        }


class Searcher:
    """Answers search requests against one store with one embedder and tokenizer."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        tokenizer: Tokenizer,
        *,
        weights: dict[str, float] | None = None,
        vector_index: str = "auto",
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.weights = weights or {"keyword": 1.0, "semantic": 1.0}
        self.vector_index_kind = vector_index
        self._reports_cache: tuple[int, list[ReportRow]] = (-1, [])
        self._names: NameIndex | None = None
        self._by_id: dict[int, ReportRow] = {}

    def all_reports(self) -> list[ReportRow]:
        """Every report, cached until the index changes (for query understanding)."""
        self._refresh()
        return self._reports_cache[1]

    def reports_by_id(self) -> dict[int, ReportRow]:
        self._refresh()
        return self._by_id

    def name_index(self) -> NameIndex:
        """Unit and project names of every report, indexed for query understanding."""
        self._refresh()
        assert self._names is not None  # set by _refresh
        return self._names

    def _refresh(self) -> None:
        generation = self.store.generation()
        if self._reports_cache[0] != generation:
            reports = self.store.reports()
            self._reports_cache = (generation, reports)
            self._by_id = {r.id: r for r in reports}
            self._names = NameIndex(reports)

    # --- candidates ----------------------------------------------------------------------

    def keyword_candidates(
        self, terms: Sequence[str], scope: ChunkScope | None, limit: int = CANDIDATES
    ) -> list[int]:
        return [cid for cid, _ in self.store.keyword_search(terms, limit, scope)]

    def semantic_candidates(
        self, query: str, scope: ChunkScope | None, limit: int = CANDIDATES
    ) -> list[int]:
        index = self.store.vector_index(self.vector_index_kind)
        allowed = self.store.scoped_chunk_ids(scope) if scope is not None else None
        qvec = self.embedder.embed_queries([query])[0]
        ids, _ = index.search(qvec, limit, allowed)
        return [int(i) for i in ids]

    # --- search --------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        request.validate()
        started = time.perf_counter()
        scope = None if request.scope.is_empty() else request.scope
        tokens = self.tokenizer.tokenize(request.query)
        terms = [t.text for t in tokens]
        boosts = self._query_boosts(request.query)
        rankings: dict[str, list[int]] = {}
        if request.mode in ("hybrid", "keyword"):
            rankings["keyword"] = self.keyword_candidates(
                _topic_terms(terms, request.query, boosts["names"]) or terms, scope
            )
        if request.mode in ("hybrid", "semantic"):
            rankings["semantic"] = self.semantic_candidates(request.query, scope)
        weights = {**self.weights, **(request.weights or {})}
        fused = reciprocal_rank_fusion(rankings, weights, k=RRF_K)

        chunks = self.store.chunks([cid for cid, _ in fused])
        reports = self.reports_by_id()
        scored = []
        for cid, score in fused:
            chunk = chunks.get(cid)
            if chunk is None or chunk.report_id not in reports:
                continue  # deleted, or committed after this search read the report list
            scored.append((chunk, score * self._boost(chunk, reports, boosts)))
        scored.sort(key=lambda item: -item[1])
        groups = _dedupe(scored)
        facets = _facets(groups, reports)
        page = groups[request.offset : request.offset + request.top_k]
        hits = [self._hit(chunk, score, members, reports, terms) for chunk, score, members in page]
        return SearchResult(
            hits=hits,
            total=len(groups),
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
            query_terms=terms,
            boosts={k: v for k, v in boosts.items() if v},
        )

    # --- query understanding -------------------------------------------------------------

    def _query_boosts(self, query: str) -> dict[str, Any]:
        """Reports (by unit, project or district) and years named in the query: cheap,
        reliable cues that boost those reports, and words the keyword ranking can drop."""
        years = {int(y) for y in _YEAR.findall(query)}
        named = self.name_index().find(query)
        names = sorted({n for r in named for n in (r.unit, report_subject(r)) if n}, key=len)
        return {
            "years": sorted(years),
            "units": sorted({r.unit for r in named}),
            "reports": sorted(r.id for r in named),
            "names": names[::-1],
            "asks_results": bool(_ASKS_RESULTS.search(query)),
        }

    @staticmethod
    def _boost(chunk: ChunkRow, reports: dict[int, ReportRow], boosts: dict[str, Any]) -> float:
        report = reports.get(chunk.report_id)
        if report is None:
            return 1.0
        factor = 1.0
        if boosts["reports"] and report.id in boosts["reports"]:
            factor *= 1.6
        if boosts["years"] and report.year in boosts["years"]:
            factor *= 1.3
        if chunk.heading == SUMMARY_HEADING and not boosts.get("asks_results"):
            factor *= 0.5  # the derived summary answers score/budget questions, not others
        return factor

    # --- hits ----------------------------------------------------------------------------

    def _hit(
        self,
        chunk: ChunkRow,
        score: float,
        members: list[ChunkRow],
        reports: dict[int, ReportRow],
        terms: list[str],
    ) -> Hit:
        table = None
        text = chunk.text
        if chunk.kind == "passage" and len(members) > 1:
            text = merge_overlapping([m.text for m in sorted(members, key=lambda m: m.ordinal)])
        if chunk.kind == "table" and chunk.table_id is not None:
            table = self._table_payload(chunk.table_id, members, terms)
        return Hit(
            chunk_id=chunk.id,
            score=score,
            kind=chunk.kind,
            text=text,
            report=reports[chunk.report_id],
            heading=chunk.heading,
            path=chunk.path,
            page=chunk.page_start,
            highlights=highlight_spans(text, terms),
            table=table,
            section_id=chunk.section_id,
            indicator_id=chunk.indicator_id,
        )

    def _table_payload(
        self, table_id: int, members: list[ChunkRow], terms: list[str]
    ) -> dict[str, Any] | None:
        table = self.store.table(table_id)
        if table is None:
            return None
        rows: list[list[str]] = table["rows"]
        wanted = {t.lower() for t in terms if len(t) >= 2}
        matches = [
            i for i, row in enumerate(rows) if any(w in "".join(row).lower() for w in wanted)
        ]
        if not matches:  # a semantic hit: mark the row group that matched
            for m in members:
                if m.row_start is not None and m.row_end is not None:
                    matches.extend(range(m.row_start, m.row_end))
        return {
            "id": table["id"],
            "caption": table["caption"],
            "header": table["header"],
            "rows": rows,
            "match_rows": sorted(set(matches)),
            "page_start": table["page_start"],
            "page_end": table["page_end"],
        }


_TITLE_AFFIXES = re.compile(
    r"^(?:20\d{2}\s*年度?)|(?:20\d{2}\s*年度?)?(?:部门|单位)?(?:整体支出|项目支出|项目)?"
    r"(?:绩效)?(?:自评|评价)?(?:报告|表)$"
)


def report_subject(report: ReportRow) -> str:
    """What a title is about without year and genre: the unit, or the project."""
    subject = report.title
    for _ in range(2):
        subject = _TITLE_AFFIXES.sub("", subject).strip()
    return subject


def mentioned_reports(
    query: str, reports: Sequence[ReportRow], with_regions: bool = True
) -> list[ReportRow]:
    """Reports the query names: by unit or by the title's subject (a project), as the longest
    shared run of ≥ 3 characters; failing that, by the unit's own district (``芦淞区``)."""
    squashed = "".join(query.split())
    # (names its region, distinctive length, whole run length): a match that includes the
    # report's own district or city is a name (湘潭市民政局), one without is a topic shared by
    # project titles (特困人员); 宜都市人力资源和社会保障局 names 宜都市's bureau, not every
    # 人力资源和社会保障局; among equals the longer run wins.
    scored: list[tuple[int, int, int, ReportRow]] = []
    for report in reports:
        best = (0, 0, 0)
        parts = _REGION_PARTS.findall(report.region)
        for name in {report.unit, report_subject(report)}:
            if not name:
                continue
            run = _longest_common_substring(squashed, name)
            distinctive = _strip_generic(run)
            if len(distinctive) >= 3 and len(distinctive) >= min(len(_strip_generic(name)), 4):
                named = int(any(p in run for p in parts))
                best = max(best, (named, len(distinctive), len(run)))
        if best[1]:
            scored.append((*best, report))
    if scored:
        top_named = max(x for x, _, _, _ in scored)
        scored = [t for t in scored if t[0] == top_named]
        top_distinctive = max(d for _, d, _, _ in scored)
        leaders = [(n, r) for _, d, n, r in scored if d >= top_distinctive * 0.8]
        top_run = max(n for n, _ in leaders)
        return [r for n, r in leaders if n >= top_run * 0.8]
    if not with_regions:
        return []
    by_region = mentioned_regions(query, {r.unit: r.region for r in reports})
    matched = [r for r in reports if r.unit in by_region]
    return matched if len({r.region for r in matched}) == 1 else []


_REGION_PARTS = re.compile(r"[^省市区县旗州盟]+(?:自治州|自治县|省|市|区|县|旗|州|盟)")


def mentioned_regions(query: str, regions: dict[str, str]) -> set[str]:
    """Units whose most specific region part (``芦淞区`` of ``株洲市芦淞区``) is in the query.

    ``regions`` maps unit → region. Only a part that names one region is a cue: ``株洲市`` is
    shared by every unit of the city and tells nothing when the index holds its districts.
    """
    squashed = "".join(query.split())
    hits: set[str] = set()
    for unit, region in regions.items():
        parts = _REGION_PARTS.findall(region)
        if parts and parts[-1] in squashed:
            hits.add(unit)
    return hits


class NameIndex:
    """Finds the reports a query names without comparing it with every report: candidates
    share a not-too-common 3-character run with a unit or subject name, and only those are
    scored by ``mentioned_reports``."""

    MAX_POSTINGS = 400  # a 3-gram in more names than this (市教育) selects nothing
    MAX_CANDIDATES = 64

    def __init__(self, reports: Sequence[ReportRow]) -> None:
        self.reports = list(reports)
        self.grams: dict[str, list[int]] = {}
        self.region_parts: dict[str, list[int]] = {}
        for i, report in enumerate(self.reports):
            seen: set[str] = set()
            for name in (report.unit, report_subject(report)):
                for k in range(len(name) - 2):
                    seen.add(name[k : k + 3])
            for gram in seen:
                self.grams.setdefault(gram, []).append(i)
            parts = _REGION_PARTS.findall(report.region)
            if parts:
                self.region_parts.setdefault(parts[-1], []).append(i)

    def find(self, query: str) -> list[ReportRow]:
        squashed = "".join(query.split())
        hits: dict[int, int] = {}
        for k in range(len(squashed) - 2):
            postings = self.grams.get(squashed[k : k + 3], ())
            if len(postings) <= self.MAX_POSTINGS:
                for i in postings:
                    hits[i] = hits.get(i, 0) + 1
        ranked = sorted(hits, key=lambda i: -hits[i])[: self.MAX_CANDIDATES]
        named = mentioned_reports(query, [self.reports[i] for i in ranked], with_regions=False)
        if named:
            return named
        by_region = [
            self.reports[i]
            for part, ids in self.region_parts.items()
            if part in squashed
            for i in ids
        ]
        return by_region if len({r.region for r in by_region}) == 1 else []


def mentioned_units(query: str, reports: Sequence[ReportRow]) -> set[str]:
    """Units of the reports the query names."""
    return {r.unit for r in mentioned_reports(query, reports)}


def _strip_generic(text: str) -> str:
    for generic in _GENERIC_UNIT_PARTS:
        text = text.replace(generic, "")
    return text


def _topic_terms(terms: list[str], query: str, names: list[str]) -> list[str]:
    """Query terms minus those inside the named report's unit or subject, and the year: every
    chunk of that report carries them, so they rank nothing within it (the boost has them)."""
    if not names:
        return terms
    squashed = "".join(query.split())
    shared = set()
    for name in names:
        run = _longest_common_substring(squashed, name)
        if len(run) >= 3:
            shared.add(run)
    return [
        t
        for t in terms
        if not any(t in run for run in shared) and not _YEAR.fullmatch(t.rstrip("年度"))
    ]


def _longest_common_substring(a: str, b: str) -> str:
    best, end = 0, 0
    prev = [0] * (len(b) + 1)
    for i, ch in enumerate(a, start=1):
        cur = [0] * (len(b) + 1)
        for j, other in enumerate(b, start=1):
            if ch == other:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best, end = cur[j], i
        prev = cur
    return a[end - best : end]


def _longest_common_run(a: str, b: str) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for ch in a:
        cur = [0] * (len(b) + 1)
        for j, other in enumerate(b, start=1):
            if ch == other:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def _dedupe(scored: list[tuple[ChunkRow, float]]) -> list[tuple[ChunkRow, float, list[ChunkRow]]]:
    """One hit per table (all its row groups), per indicator, and per run of adjacent chunks
    of one section (they overlap by a sentence); best first. Chunks of one section that are
    not adjacent stay separate hits."""
    run_of: dict[tuple[int, int], tuple[str, int]] = {}  # (section, ordinal) -> group key
    groups: dict[tuple[str, int], tuple[ChunkRow, float, list[ChunkRow]]] = {}
    order: list[tuple[str, int]] = []
    for chunk, score in scored:
        if chunk.kind == "table" and chunk.table_id is not None:
            key = ("table", chunk.table_id)
        elif chunk.kind == "passage" and chunk.section_id is not None:
            section = chunk.section_id
            key = (
                run_of.get((section, chunk.ordinal - 1))
                or run_of.get((section, chunk.ordinal + 1))
                or ("run", chunk.id)
            )
            run_of[(section, chunk.ordinal)] = key
        else:
            key = ("chunk", chunk.id)
        if key in groups:
            groups[key][2].append(chunk)
            continue
        groups[key] = (chunk, score, [chunk])
        order.append(key)
    return [groups[k] for k in order]


def merge_overlapping(texts: list[str]) -> str:
    """Concatenate adjacent chunk texts, dropping the sentence each repeats from the last."""
    merged = texts[0] if texts else ""
    for text in texts[1:]:
        overlap = 0
        for size in range(min(len(merged), len(text)), 0, -1):
            if merged.endswith(text[:size]):
                overlap = size
                break
        merged += text[overlap:]
    return merged


def _facets(
    groups: list[tuple[ChunkRow, float, list[ChunkRow]]], reports: dict[int, ReportRow]
) -> dict[str, dict[str, int]]:
    """Result counts by year, unit, region, type and kind over the whole result set."""
    facets: dict[str, dict[str, int]] = {k: {} for k in ("year", "unit", "region", "type", "kind")}
    for chunk, _, _ in groups:
        report = reports.get(chunk.report_id)
        if report is None:
            continue
        for name, value in (
            ("year", str(report.year) if report.year else ""),
            ("unit", report.unit),
            ("region", report.region),
            ("type", report.report_type),
            ("kind", chunk.kind),
        ):
            if value:
                facets[name][value] = facets[name].get(value, 0) + 1
    return facets


def query_vector(embedder: Embedder, query: str) -> np.ndarray:
    return embedder.embed_queries([query])[0]
