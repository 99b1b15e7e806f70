// app.js — the search page (/): search with facets and pagination, and the ask box.
// The URL is the single source of truth (/?q=电梯保险&year=2023&page=2&ask=…): every action builds
// a new state, pushes its URL and renders from it, and popstate renders the old URL again — so a
// search can be bookmarked or shared and back/forward restore it.

import { ask, listReports, queryString, search } from "./api.js";
import {
  KIND_LABELS,
  formatNumber,
  h,
  highlighted,
  pagesLabel,
  renderTable,
  resultHref,
  setContent,
  snippetBounds,
  toUtf16Ranges,
} from "./dom.js";

const PAGE_SIZE = 10;
const MODES = {
  hybrid: "综合：关键词与语义相结合，适合大多数查询",
  keyword: "关键词：只找包含这些词语的内容",
  semantic: "语义：按意思查找，措辞不同也能找到",
};
const FILTERS = [
  ["year", "年度"],
  ["unit", "单位"],
  ["region", "地区"],
  ["type", "报告类型"],
];
const FACETS = [...FILTERS, ["kind", "结果类型"]];
const ANSWER_SOURCES = {
  structured: "来自报告附表中的结构化数据",
  extractive: "摘自报告正文",
};
const EXAMPLE_QUERIES = ["电梯保险", "三公经费", "存在的问题及原因分析", "加装电梯", "预算执行率"];
const EXAMPLE_QUESTION = "株洲市房屋维修资金管理中心的自评总分是多少？";
const LAST_SEARCH_KEY = "jixiao:last-search";

const $ = (id) => document.getElementById(id);
const els = {
  searchForm: $("search-form"),
  q: $("q"),
  modeHint: $("mode-hint"),
  askForm: $("ask-form"),
  ask: $("ask"),
  answer: $("answer"),
  status: $("status"),
  results: $("results"),
};

// ---------- State <-> URL ----------

function readState() {
  const p = new URLSearchParams(location.search);
  const page = Number.parseInt(p.get("page") || "1", 10);
  const mode = p.get("mode") || "hybrid";
  return {
    q: (p.get("q") || "").trim(),
    mode: mode in MODES ? mode : "hybrid",
    year: p.get("year") || "",
    unit: p.get("unit") || "",
    region: p.get("region") || "",
    type: p.get("type") || "",
    kind: p.getAll("kind"),
    page: page > 0 ? page : 1,
    ask: (p.get("ask") || "").trim(),
  };
}

function stateURL(s) {
  const qs = queryString({
    q: s.q,
    mode: s.mode === "hybrid" ? "" : s.mode,
    year: s.year,
    unit: s.unit,
    region: s.region,
    type: s.type,
    kind: s.kind,
    page: s.page > 1 ? s.page : "",
    ask: s.ask,
  });
  return qs ? `/?${qs}` : "/";
}

/** Go to a new state: a history entry of its own, then render it. */
function go(next, { focusResults = false } = {}) {
  const url = stateURL(next);
  if (url !== location.pathname + location.search) history.pushState(null, "", url);
  render(next, { focusResults });
}

/** A same-page link that goes through go() but still opens in a new tab with Ctrl/⌘-click. */
function stateLink(next, label, attrs = {}) {
  return h(
    "a",
    {
      ...attrs,
      href: stateURL(next),
      onclick: (event) => {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        go(next, { focusResults: attrs.focusResults });
      },
    },
    label,
  );
}

function selectedFilters(s) {
  const out = FILTERS.filter(([key]) => s[key]).map(([key, label]) => ({ key, label, value: s[key] }));
  for (const kind of s.kind) out.push({ key: "kind", label: "结果类型", value: kind });
  return out;
}

function facetValueLabel(key, value) {
  if (key === "kind") return KIND_LABELS[value] || value;
  if (key === "year") return `${value} 年度`;
  return value;
}

function withoutFilter(s, key, value) {
  const next = { ...s, page: 1 };
  if (key === "kind") next.kind = s.kind.filter((k) => k !== value);
  else next[key] = "";
  return next;
}

function withFilter(s, key, value) {
  const next = { ...s, page: 1 };
  if (key === "kind") next.kind = [...s.kind, value];
  else next[key] = value;
  return next;
}

// ---------- Rendering ----------

function render(s, { focusResults = false } = {}) {
  els.q.value = s.q;
  els.ask.value = s.ask;
  for (const radio of els.searchForm.elements.mode) radio.checked = radio.value === s.mode;
  els.modeHint.textContent = MODES[s.mode];
  document.title = s.q
    ? `${s.q} · 检索 · 绩效知识库`
    : s.ask
      ? `${s.ask} · 问答 · 绩效知识库`
      : "绩效知识库 · 检索与问答";
  if (s.q) sessionStorage.setItem(LAST_SEARCH_KEY, stateURL({ ...s, ask: "" }));

  if (s.ask) runAsk(s.ask);
  else clearAnswer();

  if (s.q) runSearch(s, focusResults);
  else showIntro(s);
}

/** Re-rendering replaces buttons; put the keyboard focus back on the one that was used. */
function keepFocus(update) {
  const key = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.focusKey
    : undefined;
  update();
  if (key) {
    const again = [...document.querySelectorAll("[data-focus-key]")].find(
      (el) => el.dataset.focusKey === key,
    );
    if (again) again.focus();
  }
}

// ----- Search -----

let searchSeq = 0;
let searchAbort = null;
let shownSearch = ""; // the URL (without the question) of the results on screen

async function runSearch(s, focusResults) {
  const key = stateURL({ ...s, ask: "" });
  if (key === shownSearch) return; // asking a question leaves the results (and what is expanded) alone
  shownSearch = "";
  if (searchAbort) searchAbort.abort();
  searchAbort = new AbortController();
  const seq = ++searchSeq;
  // Show the loading state only when the answer is slow, so fast searches do not flicker.
  const loadingTimer = setTimeout(() => {
    if (seq !== searchSeq) return;
    els.results.setAttribute("aria-busy", "true");
    setContent(els.results, h("div", { class: "panel state" }, h("p", { class: "loading" }, "正在检索…")));
  }, 150);
  try {
    const data = await search(
      {
        q: s.q,
        mode: s.mode,
        top_k: PAGE_SIZE,
        offset: (s.page - 1) * PAGE_SIZE,
        year: s.year,
        unit: s.unit,
        region: s.region,
        type: s.type,
        kind: s.kind,
      },
      { signal: searchAbort.signal },
    );
    if (seq !== searchSeq) return;
    keepFocus(() => showResults(s, data));
    shownSearch = key;
    els.status.textContent = data.total ? `找到 ${data.total} 条结果` : "没有找到结果";
    if (focusResults) {
      const heading = document.getElementById("results-heading");
      if (heading) heading.focus();
      els.results.scrollIntoView({ block: "start" });
    }
  } catch (err) {
    if (err.name === "AbortError" || seq !== searchSeq) return;
    showError(s, err);
  } finally {
    clearTimeout(loadingTimer);
    if (seq === searchSeq) els.results.removeAttribute("aria-busy");
  }
}

let facetsOpen = window.matchMedia("(min-width: 821px)").matches;

function showResults(s, data) {
  const from = data.offset + 1;
  const to = data.offset + data.results.length;
  const main = h(
    "section",
    { class: "results-main", "aria-labelledby": "results-heading" },
    h(
      "div",
      { class: "results-head" },
      h("h2", { id: "results-heading", tabindex: "-1" }, `找到 ${data.total} 条结果`),
      h(
        "span",
        { class: "took" },
        data.results.length ? `第 ${from}–${to} 条 · ` : "",
        `用时 ${Math.round(data.took_ms)} 毫秒`,
      ),
    ),
    activeFilters(s),
    data.results.length
      ? h(
          "ol",
          { class: "result-list", start: from },
          data.results.map((r) => resultItem(r, data.query_terms || [])),
        )
      : emptyState(s, data),
    pager(s, data.total),
  );
  setContent(els.results, h("div", { class: "results-layout" }, facetPanel(s, data.facets || {}), main));
}

function facetPanel(s, facets) {
  const chosen = selectedFilters(s);
  const groups = FACETS.map(([key, label]) => {
    const picked = key === "kind" ? s.kind : s[key] ? [s[key]] : [];
    const entries = Object.entries(facets[key] || {});
    // A chosen value stays listed (pressed) even if the filtered result set no longer counts it.
    for (const value of picked) if (!entries.some(([v]) => v === value)) entries.push([value, null]);
    if (!entries.length) return null;
    entries.sort((a, b) =>
      key === "year" ? Number(b[0]) - Number(a[0]) : (b[1] ?? 0) - (a[1] ?? 0) || a[0].localeCompare(b[0], "zh-CN"),
    );
    return h(
      "div",
      { class: "facet-group", role: "group", "aria-labelledby": `facet-${key}` },
      h("h3", { id: `facet-${key}` }, label),
      h(
        "ul",
        { class: "facet-list" },
        entries.map(([value, count]) => {
          const pressed = picked.includes(value);
          const next = pressed ? withoutFilter(s, key, value) : withFilter(s, key, value);
          return h(
            "li",
            null,
            h(
              "button",
              {
                type: "button",
                class: "facet-btn",
                "aria-pressed": String(pressed),
                dataset: { facet: key, value, focusKey: `facet:${key}:${value}` },
                onclick: () => go(next),
              },
              h("span", { class: "facet-name" }, facetValueLabel(key, value)),
              count !== null && h("span", { class: "facet-count" }, h("span", { class: "visually-hidden" }, "，"), `${count} 条`),
            ),
          );
        }),
      ),
    );
  }).filter(Boolean);

  const details = h(
    "details",
    { open: facetsOpen },
    h("summary", null, h("h2", null, "筛选"), chosen.length ? `（已选 ${chosen.length} 项）` : ""),
    groups.length ? groups : h("p", { class: "facet-empty" }, "没有可用的筛选项"),
  );
  details.addEventListener("toggle", () => {
    facetsOpen = details.open;
  });
  return h("aside", { class: "panel facets", "aria-label": "筛选条件" }, details);
}

function activeFilters(s) {
  const chosen = selectedFilters(s);
  if (!chosen.length) return null;
  return h(
    "div",
    { class: "active-filters" },
    h("span", null, "已筛选："),
    chosen.map(({ key, label, value }) =>
      h(
        "button",
        {
          type: "button",
          class: "chip",
          "aria-label": `取消筛选：${label} ${facetValueLabel(key, value)}`,
          dataset: { focusKey: `chip:${key}:${value}` },
          onclick: () => go(withoutFilter(s, key, value)),
        },
        `${label}：${facetValueLabel(key, value)}`,
        h("span", { class: "x", "aria-hidden": "true" }, "×"),
      ),
    ),
    h(
      "button",
      {
        type: "button",
        class: "btn-link",
        onclick: () => go({ ...s, year: "", unit: "", region: "", type: "", kind: [], page: 1 }),
      },
      "清除全部",
    ),
  );
}

let textIds = 0;

/**
 * One hit. Its title is the section heading (or table caption, or indicator name) rather than the
 * report title, which would repeat on every hit of a report; the unit, year and type say which
 * report it is, and the crumbs say where in it.
 */
function resultItem(r, terms) {
  const report = r.report || {};
  const heading = (r.section && r.section.heading) || report.title || "（无标题）";
  const path = [...((r.section && r.section.path) || [])];
  if (path.length && path[path.length - 1] === heading) path.pop();
  return h(
    "li",
    { class: "panel result", dataset: { kind: r.kind, reportId: report.id } },
    h(
      "h3",
      { class: "result-title" },
      h("span", { class: `kind-badge kind-${r.kind}` }, KIND_LABELS[r.kind] || r.kind),
      h("a", { href: resultHref(r), title: `在报告中查看：${report.title}` }, heading),
    ),
    h(
      "p",
      { class: "result-meta" },
      h("span", { class: "unit" }, report.unit),
      report.year && h("span", { class: "year" }, `${report.year} 年度`),
      report.type && h("span", null, report.type),
      r.page !== null && r.page !== undefined && h("span", { class: "page-no" }, `第 ${r.page} 页`),
    ),
    path.length > 0 &&
      h("ol", { class: "crumbs", "aria-label": "所在章节" }, path.map((p) => h("li", null, p))),
    r.table
      ? renderTable(r.table, { matchRows: r.table.match_rows || [], terms, context: 1 })
      : passage(r.text || "", toUtf16Ranges(r.text || "", r.highlights)),
  );
}

/** A passage's text, cut to a snippet around the first highlight when long, with 展开全文. */
function passage(text, ranges) {
  const p = h("p", { class: "result-text", id: `text-${++textIds}` });
  const bounds = snippetBounds(text, ranges);
  if (!bounds) return appendTo(p, highlighted(text, ranges));
  const [from, to] = bounds;
  const snippet = () =>
    setContent(
      p,
      from > 0 && h("span", { class: "ellipsis", "aria-hidden": "true" }, "…"),
      highlighted(text, ranges, from, to),
      to < text.length && h("span", { class: "ellipsis", "aria-hidden": "true" }, "…"),
    );
  snippet();
  const button = h(
    "button",
    { type: "button", class: "btn-link toggle", "aria-expanded": "false", "aria-controls": p.id },
    "展开全文",
  );
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "收起" : "展开全文";
    if (open) setContent(p, highlighted(text, ranges));
    else snippet();
  });
  return [p, button];
}

function appendTo(el, child) {
  el.append(child);
  return el;
}

function pager(s, total) {
  const pages = Math.ceil(total / PAGE_SIZE);
  if (pages <= 1) return null;
  const numbers = new Set([1, pages]);
  for (let p = s.page - 2; p <= s.page + 2; p++) if (p >= 1 && p <= pages) numbers.add(p);
  const items = [];
  let last = 0;
  for (const p of [...numbers].sort((a, b) => a - b)) {
    if (p - last > 1) items.push(h("span", { class: "disabled", "aria-hidden": "true" }, "…"));
    items.push(
      stateLink({ ...s, page: p }, String(p), {
        "aria-label": `第 ${p} 页`,
        "aria-current": p === s.page ? "page" : null,
        focusResults: true,
      }),
    );
    last = p;
  }
  const edge = (page, label, rel) =>
    page >= 1 && page <= pages
      ? stateLink({ ...s, page }, label, { rel, focusResults: true })
      : h("span", { class: "disabled", "aria-disabled": "true" }, label);
  return h("nav", { class: "pager", "aria-label": "分页" }, edge(s.page - 1, "上一页", "prev"), items, edge(s.page + 1, "下一页", "next"));
}

function emptyState(s, data) {
  if (data.total > 0) {
    return h(
      "div",
      { class: "panel state" },
      h("h2", null, "这一页没有结果"),
      h("p", null, stateLink({ ...s, page: 1 }, "回到第 1 页")),
    );
  }
  const hasFilters = selectedFilters(s).length > 0;
  return h(
    "div",
    { class: "panel state" },
    h("h2", null, `没有找到与“${s.q}”相关的内容`),
    h("p", null, "可以试试："),
    h(
      "ul",
      null,
      h("li", null, "换用更短或更常用的词语，例如“三公经费”“预算执行率”"),
      hasFilters &&
        h("li", null, stateLink({ ...s, year: "", unit: "", region: "", type: "", kind: [], page: 1 }, "清除筛选条件")),
      s.mode !== "semantic" && h("li", null, stateLink({ ...s, mode: "semantic", page: 1 }, "改用“语义”检索，按意思查找")),
    ),
  );
}

function showError(s, err) {
  const retry = h("button", { type: "button", class: "btn btn-secondary" }, "重试");
  retry.addEventListener("click", () => render(readState()));
  const clear = selectedFilters(s).length > 0 || s.mode !== "hybrid";
  setContent(
    els.results,
    h(
      "div",
      { class: "panel state error", role: "alert" },
      h("h2", null, "检索没有完成"),
      h("p", null, err.message || "出现了意外错误。"),
      err.status === 400 && clear
        ? h("p", null, stateLink({ q: s.q, mode: "hybrid", kind: [], page: 1, ask: s.ask }, "清除筛选条件后重新检索"))
        : retry,
    ),
  );
  els.status.textContent = "检索没有完成";
}

// ----- Start page -----

let reportsShown = false;

function showIntro(s) {
  shownSearch = "";
  if (searchAbort) searchAbort.abort();
  searchSeq += 1;
  els.status.textContent = "";
  if (reportsShown && els.results.querySelector(".intro")) return;
  const list = h("ul", { class: "report-list" }, h("li", { class: "loading" }, "正在读取报告列表…"));
  setContent(
    els.results,
    h(
      "section",
      { class: "panel intro", "aria-labelledby": "intro-heading" },
      h("h2", { id: "intro-heading" }, "开始检索"),
      h("p", null, "检索全部报告的段落、表格和绩效指标；或直接提问，例如某单位的自评总分、预算执行率、实际在职人数。"),
      h(
        "p",
        { class: "examples" },
        "试试：",
        EXAMPLE_QUERIES.map((q) => stateLink({ ...s, q, page: 1, ask: "" }, q)),
        stateLink({ ...s, ask: EXAMPLE_QUESTION }, `提问：${EXAMPLE_QUESTION}`),
      ),
      h("h2", { class: "intro-reports" }, "已收录的报告"),
      list,
    ),
  );
  reportsShown = true;
  listReports()
    .then((data) => {
      setContent(
        list,
        data.reports.length
          ? data.reports.map((r) =>
              h(
                "li",
                null,
                h("a", { href: `/reports/${r.id}` }, r.title),
                h(
                  "span",
                  { class: "meta" },
                  [r.unit, r.year && `${r.year} 年度`, r.type, r.total_score !== null && `自评总分 ${formatNumber(r.total_score)}`, r.pages && `${r.pages} 页`]
                    .filter(Boolean)
                    .join(" · "),
                ),
              ),
            )
          : h("li", null, "还没有收录任何报告。"),
      );
    })
    .catch((err) => setContent(list, h("li", { class: "state error" }, `报告列表读取失败：${err.message}`)));
}

// ----- Ask -----

let askSeq = 0;
let askAbort = null;
let shownQuestion = "";

function clearAnswer() {
  if (askAbort) askAbort.abort();
  askSeq += 1;
  shownQuestion = "";
  els.answer.replaceChildren();
}

async function runAsk(question) {
  if (question === shownQuestion) return; // back/forward between searches keeps the answer
  if (askAbort) askAbort.abort();
  askAbort = new AbortController();
  const seq = ++askSeq;
  setContent(
    els.answer,
    h("div", { class: "panel answer-card", "aria-busy": "true" }, h("p", { class: "loading" }, "正在查找答案…")),
  );
  try {
    const data = await ask(question, { signal: askAbort.signal });
    if (seq !== askSeq) return;
    shownQuestion = question;
    setContent(els.answer, answerCard(question, data));
    els.status.textContent = data.answer ? `答案：${data.answer}` : "没有找到可靠的答案";
  } catch (err) {
    if (err.name === "AbortError" || seq !== askSeq) return;
    setContent(
      els.answer,
      h(
        "div",
        { class: "panel state error", role: "alert" },
        h("h2", null, "提问没有完成"),
        h("p", null, err.message),
      ),
    );
  }
}

function answerCard(question, data) {
  const found = typeof data.answer === "string" && data.answer !== "";
  const citations = data.citations || [];
  const source = data.generated ? "由语言模型依据下列出处撰写" : ANSWER_SOURCES[data.source];
  const close = h("button", { type: "button", class: "btn-link" }, "关闭");
  close.addEventListener("click", () => {
    go({ ...readState(), ask: "" });
    els.ask.focus();
  });
  return h(
    "section",
    { class: `panel answer-card${found ? "" : " no-answer"}`, "aria-labelledby": "answer-question" },
    h("h2", { id: "answer-question" }, `问：${question}`),
    h("p", { class: "answer-text", id: "answer-text" }, found ? data.answer : "没有找到可靠的答案"),
    found
      ? h(
          "p",
          { class: "answer-meta" },
          [`可信度 ${Math.round((data.confidence || 0) * 100)}%`, source].filter(Boolean).join(" · "),
        )
      : h("p", { class: "answer-meta" }, "报告中没有能确定回答这个问题的内容。可以换个问法，或在上方检索相关段落。"),
    citations.length > 0 && [
      h("h3", null, found ? "出处" : "可能相关的内容"),
      h("ol", { class: "citations" }, citations.map(citation)),
    ],
    h("p", { class: "answer-meta" }, close),
  );
}

function citation(c) {
  const where = [...((c.section && c.section.path) || [])];
  const page = pagesLabel(c.page);
  return h(
    "li",
    { class: "citation" },
    h("a", { href: resultHref(c) }, c.report.title),
    h("span", { class: "cite-where" }, [where.join(" › "), page].filter(Boolean).join(" · ")),
    h("span", { class: "cite-text" }, citationText(c)),
  );
}

/** What a citation says: a table's matching rows (not its whole text), else a short snippet. */
function citationText(c) {
  if (c.table && (c.table.match_rows || []).length) {
    const rows = c.table.match_rows
      .map((i) => (c.table.rows[i] || []).filter((cell) => cell).join(" ｜ "))
      .join("；");
    return rows.length > 160 ? `${rows.slice(0, 160)}…` : rows;
  }
  const text = c.text || "";
  const ranges = toUtf16Ranges(text, c.highlights);
  const bounds = snippetBounds(text, ranges, 120);
  if (!bounds) return highlighted(text, ranges);
  return [bounds[0] > 0 ? "…" : "", highlighted(text, ranges, bounds[0], bounds[1]), "…"];
}

// ---------- Wiring ----------

els.searchForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const q = els.q.value.trim();
  const mode = new FormData(els.searchForm).get("mode") || "hybrid";
  // A new query keeps the filters (often a year or a unit the user works on) but starts at page 1.
  go({ ...readState(), q, mode, page: 1, ask: "" });
});

for (const radio of els.searchForm.elements.mode) {
  radio.addEventListener("change", () => {
    const s = readState();
    els.modeHint.textContent = MODES[radio.value];
    if (s.q) go({ ...s, mode: radio.value, page: 1 });
  });
}

els.askForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const question = els.ask.value.trim();
  if (!question) {
    els.ask.focus();
    return;
  }
  go({ ...readState(), ask: question });
});

window.addEventListener("popstate", () => render(readState()));

render(readState());
