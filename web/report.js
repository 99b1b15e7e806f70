// report.js — the report viewer (/reports/{id}): metadata, outline, sections with their tables,
// and the indicator records. Links from search results and citations arrive with a fragment
// (#section-N, #table-N, #indicators); since the content is rendered after the page loads, the
// browser cannot scroll there by itself, so focusTarget() does it and marks the target.

import { getReport } from "./api.js";
import { appendAll, formatNumber, h, pagesLabel, renderTable, setContent } from "./dom.js";

const LAST_SEARCH_KEY = "jixiao:last-search";
const root = document.getElementById("report-root");

function reportId() {
  const match = location.pathname.match(/\/reports\/(\d+)\/?$/);
  return match ? match[1] : null;
}

// ---------- Metadata ----------

function metaItem(label, value, cls) {
  if (value === null || value === undefined || value === "") return null;
  return h("div", null, h("dt", null, label), h("dd", { class: cls }, value));
}

function header(report) {
  const b = report.budget || {};
  const amount = (v) => (v === null || v === undefined ? null : `${formatNumber(v)} 万元`);
  const percent = (v) => (v === null || v === undefined ? null : `${formatNumber(v)}%`);
  const people = (v) => (v === null || v === undefined ? null : `${formatNumber(v, 0)} 人`);
  const format = (report.format || "").toUpperCase();
  return h(
    "header",
    { class: "panel report-head" },
    h("h1", { id: "report-title" }, report.title),
    h(
      "dl",
      { class: "meta-grid", "aria-label": "报告信息" },
      metaItem("单位", report.unit),
      metaItem("地区", report.region),
      metaItem("年度", report.year ? `${report.year} 年度` : null),
      metaItem("报告类型", report.type),
      metaItem("自评总分", report.total_score === null ? "—" : formatNumber(report.total_score), "score"),
      metaItem("页数", report.pages ? `${report.pages} 页` : null),
      metaItem("填报日期", report.fill_date),
      metaItem("年初预算数", amount(b.initial_budget)),
      metaItem("全年预算数", amount(b.full_year_budget)),
      metaItem("全年执行数", amount(b.executed)),
      metaItem("预算执行率", percent(b.execution_rate)),
      metaItem("编制数 / 实际在职", b.staff_authorized === undefined && b.staff_actual === undefined
        ? null
        : `${people(b.staff_authorized) || "—"} / ${people(b.staff_actual) || "—"}`),
    ),
    h(
      "div",
      { class: "report-actions" },
      h(
        "a",
        { class: "btn", href: report.file_url, target: "_blank", rel: "noopener" },
        `原文${format ? `（${format}）` : ""}`,
        h("span", { class: "visually-hidden" }, "，在新窗口打开"),
      ),
      backLink("btn btn-secondary"),
    ),
  );
}

function backLink(cls) {
  const last = sessionStorage.getItem(LAST_SEARCH_KEY);
  return h("a", { class: cls, href: last || "/" }, last ? "返回检索结果" : "检索全部报告");
}

// ---------- Outline ----------

/** Sections arrive flat with a level; nest them (a level may be skipped: 一、 then 1、). */
function sectionTree(sections) {
  const top = [];
  const stack = [];
  for (const section of sections) {
    const node = { section, children: [] };
    while (stack.length && stack[stack.length - 1].section.level >= section.level) stack.pop();
    (stack.length ? stack[stack.length - 1].children : top).push(node);
    stack.push(node);
  }
  return top;
}

function outlineList(nodes) {
  return h(
    "ol",
    null,
    nodes.map(({ section, children }) =>
      h(
        "li",
        null,
        h("a", { href: `#section-${section.id}` }, section.heading),
        children.length > 0 && outlineList(children),
      ),
    ),
  );
}

function outline(detail) {
  const extras = [
    ...detail.tables.map((t) => h("li", null, h("a", { href: `#table-${t.id}` }, `表：${t.caption || "表格"}`))),
    detail.indicators.length > 0 && h("li", null, h("a", { href: "#indicators" }, `绩效指标（${detail.indicators.length} 项）`)),
  ].filter(Boolean);
  const wide = window.matchMedia("(min-width: 821px)").matches;
  return h(
    "nav",
    { class: "panel outline", "aria-label": "报告目录" },
    h(
      "details",
      { open: wide },
      h("summary", null, "目录"),
      detail.sections.length ? outlineList(sectionTree(detail.sections)) : h("p", null, "这份报告没有识别出章节。"),
      extras.length > 0 && h("div", { class: "outline-extra" }, h("ol", null, extras)),
    ),
  );
}

// ---------- Body ----------

const samePath = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

function body(detail) {
  // Each table goes right after the section it sits in; tables outside any section go last.
  const placed = new Set();
  const tablesOf = (section) =>
    detail.tables.filter((t) => {
      const inIt = samePath(t.section_path || [], section.path || []);
      if (inIt) placed.add(t.id);
      return inIt;
    });
  const article = h("article", { class: "panel report-body", id: "report-body", "aria-labelledby": "report-title", tabindex: "-1" });
  for (const section of detail.sections) {
    const level = Math.min(Math.max(section.level || 1, 1), 4) + 1;
    const paragraphs = (section.text || "").split("\n").filter((line) => line.trim());
    appendAll(article, [
      h(
        "section",
        { class: "report-section", id: `section-${section.id}`, "aria-labelledby": `heading-${section.id}` },
        h(`h${level}`, { id: `heading-${section.id}` }, section.heading, pageTag(section.page_start, section.page_end)),
        paragraphs.map((line) => h("p", null, line)),
      ),
      tablesOf(section).map(tableBlock),
    ]);
  }
  const rest = detail.tables.filter((t) => !placed.has(t.id));
  if (rest.length) appendAll(article, [h("h2", null, "附表"), rest.map(tableBlock)]);
  return article;
}

function pageTag(start, end) {
  const label = pagesLabel(start, end);
  return label ? h("span", { class: "page-tag" }, label) : null;
}

function tableBlock(table) {
  return renderTable(table, { id: `table-${table.id}` });
}

/** The 绩效指标 records: 一级/二级 merged down (rowspan) as in the report's own 自评表. */
function indicators(list) {
  if (!list.length) return null;
  const span = (key, i) => {
    if (i > 0 && list[i - 1][key] === list[i][key] && (key === "level1" || list[i - 1].level1 === list[i].level1)) return 0;
    let n = 1;
    while (i + n < list.length && list[i + n][key] === list[i][key] && (key === "level1" || list[i + n].level1 === list[i].level1)) n++;
    return n;
  };
  const num = (v) => (v === null || v === undefined ? "" : formatNumber(v));
  const rows = list.map((ind, i) => {
    const s1 = span("level1", i);
    const s2 = span("level2", i);
    const lost = ind.weight !== null && ind.score !== null && ind.score < ind.weight;
    return h(
      "tr",
      { id: `indicator-${ind.id}` },
      s1 > 0 && h("th", { scope: "rowgroup", rowspan: s1 }, ind.level1, ind.level1_weight !== null && ind.level1_weight !== undefined ? `（${formatNumber(ind.level1_weight)} 分）` : ""),
      s2 > 0 && h("td", { rowspan: s2 }, ind.level2),
      h("td", null, ind.level3),
      h("td", null, ind.target),
      h("td", null, ind.actual),
      h("td", { class: "num" }, num(ind.weight)),
      h(
        "td",
        { class: lost ? "num lost" : "num" },
        num(ind.score),
        lost && h("span", { class: "visually-hidden" }, `（扣 ${formatNumber(ind.weight - ind.score)} 分）`),
      ),
      h("td", null, ind.deviation || ""),
    );
  });
  const heads = ["一级指标", "二级指标", "指标", "指标值", "完成值", "分值", "得分", "偏差原因"];
  const pages = [...new Set(list.map((i) => i.page).filter((p) => p !== null && p !== undefined))];
  return h(
    "section",
    { class: "panel indicators", id: "indicators", "aria-labelledby": "indicators-heading", tabindex: "-1" },
    h("h2", { id: "indicators-heading" }, `绩效指标（${list.length} 项）`),
    h("p", { class: "note" }, `摘自报告的绩效自评表${pages.length ? `，${pages.map((p) => `第 ${p} 页`).join("、")}` : ""}；得分低于分值的以红色标出。`),
    h(
      "div",
      { class: "table-wrap", role: "region", "aria-label": "绩效指标", tabindex: "0" },
      h(
        "table",
        { class: "data-table indicator-table" },
        h("caption", { class: "visually-hidden" }, "绩效指标"),
        h("thead", null, h("tr", null, heads.map((t) => h("th", { scope: "col", class: t === "分值" || t === "得分" ? "num" : null }, t)))),
        h("tbody", null, rows),
      ),
    ),
  );
}

// ---------- Fragment targets ----------

function focusTarget() {
  const id = decodeURIComponent(location.hash.slice(1));
  for (const el of document.querySelectorAll(".is-target")) el.classList.remove("is-target");
  for (const a of document.querySelectorAll(".outline a[aria-current]")) a.removeAttribute("aria-current");
  if (!id) return;
  const target = document.getElementById(id);
  if (!target) return;
  target.classList.add("is-target");
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: "start" });
  const link = [...document.querySelectorAll(".outline a")].find((a) => a.getAttribute("href") === `#${id}`);
  if (link) link.setAttribute("aria-current", "location");
}

// ---------- Page ----------

async function main() {
  const id = reportId();
  const back = document.getElementById("back-link");
  if (sessionStorage.getItem(LAST_SEARCH_KEY)) {
    back.href = sessionStorage.getItem(LAST_SEARCH_KEY);
    back.textContent = "返回检索结果";
  }
  if (!id) {
    showError("地址中没有报告编号。");
    return;
  }
  let detail;
  try {
    detail = await getReport(id);
  } catch (err) {
    showError(err.status === 404 ? "找不到这份报告，它可能已被删除。" : err.message);
    return;
  }
  document.title = `${detail.report.title} · 绩效知识库`;
  setContent(
    root,
    h(
      "div",
      { class: "viewer-layout" },
      outline(detail),
      h("div", { class: "viewer-main" }, header(detail.report), body(detail), indicators(detail.indicators)),
    ),
  );
  root.removeAttribute("aria-live"); // announce the loading state only, not the whole report
  focusTarget();
  window.addEventListener("hashchange", focusTarget);
}

function showError(message) {
  setContent(
    root,
    h(
      "div",
      { class: "panel state error", role: "alert" },
      h("h2", null, "报告无法显示"),
      h("p", null, message),
      h("p", null, h("a", { href: "/" }, "回到检索页")),
    ),
  );
}

main();
