"""Question answering from the reports themselves, no LLM required.

Questions about scores, staff numbers, budget figures and indicator values are answered from
the structured records (总分, 实际在职人数, 全年执行数, an indicator's 实际完成值 …); other
questions get the best answering clause from the top passages. Every answer cites the results
it came from; when the evidence is weak the answer is ``None`` ("no answer") rather than a guess.
An optional OpenAI-compatible endpoint (setting ``llm_url``) may compose an answer from the cited
passages only; the extractive answer stays in the response.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from .search import Hit, Searcher, SearchRequest, _longest_common_run
from .store import ChunkScope, ReportRow

log = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.5
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_QUANTITY = re.compile(
    r"[-+]?\d+(?:\.\d+)?\s*(?:%|％|万元|亿元|千元|元|亿|万|台|个|人次|人|次|户|栋|家|项|分|公里|"
    r"千米|米|平方米|㎡|亩|吨|所|名|件|篇|场|期|套|辆|部|间|处|座|条|天|小时)?"
)
_CLAUSE_SPLIT = re.compile(r"(?<=[，,；;。！？!?：:])")
_SENTENCE_SPLIT = re.compile(r"(?<=[。！？!?；;\n])")
_ASKS_QUANTITY = re.compile(r"多少|几|多大|多高|多长|数量|金额|比例|比率|人数|总量|总额|规模")
_QUESTION_NOISE = re.compile(
    r"是多少|有多少|多少|是否|是什么|有哪些|哪些|怎么样|如何|请问|的情况|情况|吗|呢|？|\?|。"
    r"|截至|截止|年底|年末|年初至今|目前|当前|共计|合计|总共|一共"
)


@dataclass
class Answer:
    answer: str | None
    confidence: float
    citations: list[Hit]
    source: str  # "structured" | "extractive" | "none"
    extractive_answer: str | None = None
    generated: bool = False
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "confidence": round(self.confidence, 3),
            "citations": [h.to_dict() for h in self.citations],
            "source": self.source,
            "extractive_answer": self.extractive_answer,
            "generated": self.generated,
            "detail": self.detail,
        }


# Structured intents: (name, trigger pattern, budget key or None, unit suffix, label)
_SCORE = re.compile(r"总分|自评得分|自评分|综合得分|得了?多少分|评分|打分|得分是多少|自评结果")
_STAFF_ACTUAL = re.compile(r"实际在职人数|在职人数|实有人数|实际人数|有多少人|多少名?(?:工作)?人员")
_STAFF_AUTH = re.compile(r"编制数|编制人数|核定编制|多少编制")
# Checked in this order: "全年预算执行数" asks for the 执行数, not the 全年预算数.
_BUDGET_KEYS = (
    (re.compile(r"执行率"), "execution_rate", "%", "执行率"),
    (
        re.compile(r"执行数|执行了多少|执行金额|实际支出|支出了多少|支出总额|决算数"),
        "executed",
        "万元",
        "全年执行数",
    ),
    (re.compile(r"年初预算"), "initial_budget", "万元", "年初预算数"),
    (re.compile(r"全年预算|调整后预算|预算总额|预算数"), "full_year_budget", "万元", "全年预算数"),
)
_INDICATOR_FIELDS = (
    (re.compile(r"完成值|完成情况|实际完成|完成了多少|完成多少|实际"), "actual", "实际完成值"),
    (re.compile(r"目标值|指标值|年度目标|计划"), "target", "年度指标值"),
    (re.compile(r"得分|得了几分|扣分"), "score", "得分"),
    (re.compile(r"分值|权重|满分"), "weight", "分值"),
    (re.compile(r"偏差|原因|为什么|为何"), "deviation", "偏差原因分析及改进措施"),
)


class QA:
    """Answers questions with a searcher over one store."""

    def __init__(self, searcher: Searcher, llm_url: str = "", llm_model: str = "") -> None:
        self.searcher = searcher
        self.store = searcher.store
        self.llm_url = llm_url
        self.llm_model = llm_model

    def ask(self, question: str) -> Answer:
        request = SearchRequest(question, mode="hybrid", top_k=5)
        request.validate()
        reports = self.searcher.all_reports()
        targets = self._target_reports(question, reports)
        answer = self._structured(question, targets, len(reports))
        if answer is None:
            answer = self._extractive(question, targets)
        if answer.answer is not None and answer.confidence < MIN_CONFIDENCE:
            answer.detail["low_confidence_answer"] = answer.answer
            answer.answer = None
        answer.extractive_answer = answer.answer
        if self.llm_url and answer.citations:
            composed = self._compose(question, answer.citations)
            if composed:
                answer.answer, answer.generated = composed, True
        return answer

    # --- targets -------------------------------------------------------------------------

    def _target_reports(self, question: str, reports: list[ReportRow]) -> list[ReportRow]:
        """The reports a question names (by unit, project or district), narrowed by year."""
        chosen = self.searcher.name_index().find(question)
        years = {int(y) for y in _YEAR.findall(question)}
        if years and chosen:
            chosen = [r for r in chosen if r.year in years] or chosen
        return chosen

    # --- structured ----------------------------------------------------------------------

    def _structured(self, question: str, targets: list[ReportRow], n_reports: int) -> Answer | None:
        report = targets[0] if len(targets) == 1 else None
        if report is None and n_reports == 1:
            report = self.store.reports()[0]
        asks_indicator = "指标" in question
        rest = _without_names(question, report) if report else question
        indicator = self._indicator_answer(rest, report) if report and asks_indicator else None
        if indicator is not None:
            return indicator
        if _SCORE.search(question) and not asks_indicator:
            if report is None or report.total_score is None:
                return None
            value = _fmt(report.total_score)
            cites = self._cite(report, f"总分 {value}", ("table",), must_contain="总分")
            return Answer(f"{value}分", 0.95, cites, "structured", detail={"field": "total_score"})
        for pattern, key, unit, label in (
            (_STAFF_ACTUAL, "staff_actual", "人", "实际在职人数"),
            (_STAFF_AUTH, "staff_authorized", "人", "编制数"),
        ):
            if pattern.search(question):
                if report is None or report.budget.get(key) is None:
                    return None
                value = _fmt(report.budget[key])
                cites = self._cite(report, f"{label} {value}", ("table", "passage"), label)
                return Answer(f"{value}{unit}", 0.9, cites, "structured", detail={"field": key})
        if report is not None and not asks_indicator and not _ASKS_MONEY.search(rest):
            # An indicator named without the word 指标 (加装电梯的实际完成值); a question about
            # money (加装电梯专项资金实际支出) is about the budget text, not the indicator.
            indicator = self._indicator_answer(rest, report)
            if indicator is not None:
                return indicator
        for pattern, key, unit, _label in _BUDGET_KEYS:
            if pattern.search(question) and report is not None and _asks_whole_budget(rest):
                value_raw = report.budget.get(key)
                if value_raw is None:
                    return None
                value = _fmt(value_raw) if unit == "%" else f"{value_raw:.2f}"
                cites = self._cite(report, f"{_label} {value}", ("table",), _label)
                return Answer(f"{value}{unit}", 0.9, cites, "structured", detail={"field": key})
        return None

    def _indicator_answer(self, question: str, report: ReportRow) -> Answer | None:
        squashed = "".join(question.split())
        best: tuple[int, dict[str, Any]] | None = None
        for ind in self.store.indicators_of([report.id]):
            name = ind["level3"] or ""
            run = _longest_common_run(squashed, name)
            if run >= 3 and run >= 0.6 * len(name) and (best is None or run > best[0]):
                best = (run, ind)
        if best is None:
            return None
        ind = best[1]
        key, label = next(
            ((k, lab) for pattern, k, lab in _INDICATOR_FIELDS if pattern.search(question)),
            ("actual", "实际完成值"),
        )
        value = ind[key]
        if value in (None, ""):
            return None
        text = _fmt(value) if isinstance(value, float) else str(value)
        cites = self._cite(
            report, f"{ind['level3']} {label}", ("indicator", "table"), ind["level3"]
        )
        return Answer(
            text,
            0.85,
            cites,
            "structured",
            detail={"field": key, "indicator": ind["level3"], "label": label},
        )

    def _cite(
        self, report: ReportRow, query: str, kinds: tuple[str, ...], must_contain: str
    ) -> list[Hit]:
        scope = ChunkScope(report_ids=(report.id,), kinds=kinds)
        hits = self.searcher.search(SearchRequest(query, mode="keyword", top_k=5, scope=scope)).hits
        good = [h for h in hits if must_contain in _hit_text(h)]
        return (good or hits)[:3]

    # --- extractive ----------------------------------------------------------------------

    def _extractive(self, question: str, targets: list[ReportRow]) -> Answer:
        scope = ChunkScope(report_ids=tuple(r.id for r in targets), kinds=("passage", "indicator"))
        request = SearchRequest(question, mode="hybrid", top_k=5, scope=scope)
        hits = self.searcher.search(request).hits
        if not hits:
            return Answer(None, 0.0, [], "none")
        names = "".join(r.unit + r.region for r in targets)
        keys = [
            k
            for k in _key_terms(question, self.searcher.tokenizer.terms(question))
            if k not in names
        ]
        wants_quantity = bool(_ASKS_QUANTITY.search(question))
        best: tuple[float, str, Hit] | None = None
        for rank, hit in enumerate(hits):
            for sentence in _SENTENCE_SPLIT.split(hit.text):
                sentence = sentence.strip()
                if len(sentence) < 4:
                    continue
                score, span = _score_sentence(sentence, keys, wants_quantity)
                score *= 1.0 - 0.08 * rank
                if best is None or score > best[0]:
                    best = (score, span, hit)
        if best is None or best[0] <= 0:
            return Answer(None, 0.0, hits[:3], "none")
        score, span, hit = best
        cites = [hit, *[h for h in hits if h is not hit][:2]]
        return Answer(span, min(score, 0.95), cites, "extractive", detail={"key_terms": keys})

    # --- optional LLM ------------------------------------------------------------------------

    def _compose(self, question: str, citations: list[Hit]) -> str | None:
        context = "\n\n".join(
            f"[{i + 1}] {h.report.unit} {h.report.year}年 {' > '.join(h.path)}\n{h.text}"
            for i, h in enumerate(citations)
        )
        body = {
            "model": self.llm_model or "default",
            "temperature": 0,
            "messages": [
                {
                    "role": "system",
                    "content": "只根据给出的报告片段回答问题，注明片段编号；"
                    "片段中没有答案时回答“未找到”。",
                },
                {"role": "user", "content": f"报告片段：\n{context}\n\n问题：{question}"},
            ],
        }
        url = self.llm_url.rstrip("/") + "/chat/completions"
        try:
            req = urllib.request.Request(
                url, json.dumps(body).encode(), {"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(req, timeout=60) as resp:
                data = json.loads(resp.read().decode("utf-8"))
            return str(data["choices"][0]["message"]["content"]).strip() or None
        except Exception as exc:  # the extractive answer stands when the LLM is unavailable
            log.warning("LLM endpoint %s failed: %s", url, exc)
            return None


def _without_names(question: str, report: ReportRow) -> str:
    """The question minus what it shares with the report's unit, subject and region (so a
    project named 基本公共卫生服务 is not taken for the indicator 基本公共卫生服务水平)."""
    from .search import _longest_common_substring, report_subject

    rest = "".join(question.split())
    runs = [_longest_common_substring(rest, n) for n in (report.unit, report_subject(report)) if n]
    for run in sorted((r for r in runs if len(r) >= 3), key=len, reverse=True):
        rest = rest.replace(run, " ", 1)  # once: the same words may also name the indicator
    return rest


_ASKS_MONEY = re.compile(r"资金|支出|经费|预算|万元|花了|多少钱|金额|拨付")
_BUDGET_WORDS = re.compile(
    r"20\d{2}年度?|全年|年初|年度|预算|执行数|执行率|执行|实际支出|支出|决算数|资金总额|总额|资金|"
    r"部门|单位|整体|项目|金额|数|是|多少|的|了|共|计|为|？|\?|。|，|\s"
)


def _asks_whole_budget(rest: str) -> bool:
    """Whether a budget question is about the whole report, not one item in it (``芦淞区既有
    住宅加装电梯专项资金实际支出`` asks about one 专项, which only the text answers)."""
    return len(_BUDGET_WORDS.sub("", rest)) < 3


def _hit_text(hit: Hit) -> str:
    parts = [hit.text]
    if hit.table:
        parts += ["".join(map(str, row)) for row in hit.table.get("rows", [])]
    return "".join("".join(parts).split())


def _key_terms(question: str, terms: list[str]) -> list[str]:
    """Content terms of a question: tokens minus question words, units' generic parts, years."""
    stripped = _QUESTION_NOISE.sub(" ", question)
    keep = []
    for term in terms:
        if len(term) < 2 or _YEAR.fullmatch(term.rstrip("年")) or term not in stripped:
            continue
        keep.append(term)
    return list(dict.fromkeys(keep))


# How reports word what questions ask: a key term counts as present when a synonym is.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "人数": ("人员", "名"),
    "实际": ("实有", "实际"),
    "在职": ("在职", "在岗"),
    "执行数": ("实际支出", "执行", "支出"),
    "执行": ("支出",),
    "总分": ("得分", "评分"),
    "得分": ("总分", "评分"),
    "资金": ("经费",),
    "经费": ("资金",),
    "花": ("支出", "支付", "使用", "费"),
    "钱": ("资金", "经费", "万元"),
}


def _present(key: str, text: str) -> bool:
    return key in text or any(alt in text for alt in _SYNONYMS.get(key, ()))


def _score_sentence(sentence: str, keys: list[str], wants_quantity: bool) -> tuple[float, str]:
    """Share of the question's key terms in the sentence (longer terms weigh more; a synonym
    counts), and the best clause to answer with (the clause holding the key terms and, if
    asked, a quantity)."""
    if not keys:
        return 0.0, sentence
    total = sum(len(k) for k in keys)
    covered = sum(len(k) for k in keys if _present(k, sentence))
    score = covered / total
    clauses = [c for c in _CLAUSE_SPLIT.split(sentence) if c.strip()]
    best_clause, best_value = sentence, -1.0
    for clause in clauses:
        value = sum(len(k) for k in keys if _present(k, clause)) / total
        has_quantity = bool(_QUANTITY.search(clause)) and any(ch.isdigit() for ch in clause)
        if wants_quantity and has_quantity:
            value += 0.5
        if value > best_value:
            best_clause, best_value = clause, value
    if wants_quantity and not any(ch.isdigit() for ch in best_clause):
        score *= 0.5
    return score, best_clause.strip().rstrip("，,；;。：:")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    return str(value)
