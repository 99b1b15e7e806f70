// dom.js — small DOM helpers shared by the search page and the report viewer.
// Everything is built with createElement/textContent, never by concatenating HTML, so report text
// (which may contain <, & or quotes) is always shown literally and can never inject markup.

/** h("a", {href, class}, child, ...) — children may be strings, nodes, arrays, null/false (skipped). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") {
      for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) el.dataset[k] = v;
    }
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
  appendAll(el, children);
  return el;
}

export function appendAll(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

/** Replace an element's content. */
export function setContent(el, ...children) {
  el.replaceChildren();
  return appendAll(el, children);
}

// ---------- Highlighting ----------

/**
 * The API counts offsets in Python code points, JavaScript strings in UTF-16 units; they differ
 * only after a character outside the BMP (rare CJK extension characters), so convert only then.
 */
export function toUtf16Ranges(text, ranges) {
  if (!/[\uD800-\uDBFF]/.test(text)) return ranges || [];
  const at = [];
  let unit = 0;
  for (const ch of text) {
    at.push(unit);
    unit += ch.length;
  }
  at.push(unit);
  const clamp = (i) => at[Math.max(0, Math.min(i, at.length - 1))];
  return (ranges || []).map(([s, e]) => [clamp(s), clamp(e)]);
}

/** Sorted, non-overlapping ranges inside [0, length): highlights of 电梯 and 电梯保险 overlap. */
export function mergeRanges(ranges, length) {
  const sorted = (ranges || [])
    .map(([s, e]) => [Math.max(0, s), Math.min(length, e)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out = [];
  for (const range of sorted) {
    const last = out[out.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else out.push([range[0], range[1]]);
  }
  return out;
}

/** text[from, to) as a fragment with the ranges wrapped in <mark>. */
export function highlighted(text, ranges, from = 0, to = text.length) {
  const frag = document.createDocumentFragment();
  let pos = from;
  for (const [s, e] of mergeRanges(ranges, text.length)) {
    if (e <= from || s >= to) continue;
    const a = Math.max(s, from);
    const b = Math.min(e, to);
    if (a > pos) frag.append(text.slice(pos, a));
    frag.append(h("mark", null, text.slice(a, b)));
    pos = b;
  }
  if (pos < to) frag.append(text.slice(pos, to));
  return frag;
}

/** Ranges where any of the terms occurs (for table cells, which carry no offsets of their own). */
export function termRanges(text, terms) {
  const hay = text.toLowerCase();
  const ranges = [];
  for (const term of terms || []) {
    const needle = String(term).toLowerCase();
    if (!needle.trim()) continue;
    for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + needle.length)) {
      ranges.push([i, i + needle.length]);
    }
  }
  return ranges;
}

export const markTerms = (text, terms) => highlighted(text, termRanges(text, terms));

const SENTENCE_END = /[。；！？\n]/;

/** Where to start a snippet that shows `anchor`: the start of its sentence when that is near. */
function sentenceStart(text, anchor) {
  for (let i = anchor - 1; i >= Math.max(0, anchor - 70); i--) {
    if (SENTENCE_END.test(text[i])) return i + 1;
  }
  return anchor <= 70 ? 0 : anchor - 30;
}

/**
 * The window [start, end) of a long text to show first, or null to show it all. Of the windows
 * that start at a highlight's sentence, the one with the most highlighted text wins; a highlight
 * counts by its length squared, so the whole query (电梯保险) beats scattered parts (保险).
 */
export function snippetBounds(text, ranges, size = 200) {
  if (text.length <= size + 50) return null;
  const merged = mergeRanges(ranges, text.length);
  let best = [0, Math.min(text.length, size)];
  let bestScore = -1;
  for (const [anchor] of merged.length ? merged : [[0, 0]]) {
    const start = Math.max(0, Math.min(sentenceStart(text, anchor), text.length - size));
    const end = Math.min(text.length, start + size);
    const score = merged
      .filter(([s, e]) => s >= start && e <= end)
      .reduce((sum, [s, e]) => sum + (e - s) ** 2, 0);
    if (score > bestScore) {
      best = [start, end];
      bestScore = score;
    }
  }
  return best;
}

// ---------- Labels ----------

export const KIND_LABELS = { passage: "段落", table: "表格", indicator: "绩效指标" };

export function pagesLabel(start, end) {
  if (start === null || start === undefined) return "";
  if (end === null || end === undefined || end === start) return `第 ${start} 页`;
  return `第 ${start}–${end} 页`;
}

export function formatNumber(value, digits = 2) {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  return n.toLocaleString("zh-CN", { maximumFractionDigits: digits });
}

/**
 * Where a search result lives in the report viewer: a table hit at its table, an indicator hit
 * at its row of the indicator table, a passage at its section.
 */
export function resultAnchor(result) {
  if (result.table && result.table.id !== null && result.table.id !== undefined) {
    return `table-${result.table.id}`;
  }
  if (result.kind === "indicator") {
    return result.indicator_id != null ? `indicator-${result.indicator_id}` : "indicators";
  }
  if (result.section && result.section.id !== null && result.section.id !== undefined) {
    return `section-${result.section.id}`;
  }
  return "";
}

export function resultHref(result, origin = "") {
  const anchor = resultAnchor(result);
  return `${origin}/reports/${encodeURIComponent(result.report.id)}${anchor ? `#${anchor}` : ""}`;
}

// ---------- Tables ----------

const NUMERIC = /^[-+]?\d[\d,]*(\.\d+)?%?$/;

function cellClass(text) {
  if (NUMERIC.test(text.trim())) return "num";
  if (text.length > 60) return "long";
  return null;
}

/**
 * Cells covered by a merged neighbour arrive as empty strings, just like genuinely blank cells. A
 * run of two or more empty cells after a filled one is taken as that cell's merge (a colspan): it
 * restores headers and notes (总分, 年度总体目标, 厉行节约保障措施) spanning the table, while a single
 * empty cell — often a real blank, such as a missing 偏差原因 — stays a cell of its own.
 */
export function mergedCells(cells) {
  const out = [];
  for (let i = 0; i < cells.length; ) {
    let j = i + 1;
    while (j < cells.length && !cells[j].trim()) j++;
    const filled = cells[i].trim() !== "";
    const span = filled && j - i - 1 >= 2 ? j - i : 1;
    out.push({ text: cells[i], span });
    i += span;
  }
  return out;
}

/**
 * A report table as a real <table>. `matchRows` (indices into rows) are marked; with `context` set,
 * rows farther than that from every match are folded behind a 显示全部 toggle so that a result
 * shows what matched. Cells covered by a merged neighbour arrive as empty strings and stay empty.
 */
export function renderTable(table, { matchRows = [], terms = [], context = null, id = null } = {}) {
  const header = table.header || [];
  const rows = table.rows || [];
  const width = Math.max(1, header.length, ...rows.map((r) => r.length));
  const matches = new Set(matchRows);
  const pad = (cells) => Array.from({ length: width }, (_, i) => cells[i] ?? "");
  const show = (i) =>
    context === null ||
    matches.size === 0 ||
    [...matches].some((m) => Math.abs(m - i) <= context);

  const pages = pagesLabel(table.page_start, table.page_end);
  const caption = h(
    "caption",
    null,
    table.caption || "表格",
    pages && h("span", { class: "pages" }, pages),
  );
  const thead = header.some((c) => c)
    ? h(
        "thead",
        null,
        h(
          "tr",
          null,
          mergedCells(pad(header)).map(({ text, span }) =>
            h("th", { scope: "col", colspan: span > 1 ? span : null, class: cellClass(text) }, markTerms(text, terms)),
          ),
        ),
      )
    : null;

  const tbody = h("tbody");
  let folded = 0;
  let gap = null;
  rows.forEach((row, i) => {
    const isMatch = matches.has(i);
    const visible = show(i);
    if (!visible) {
      folded += 1;
      if (!gap) {
        gap = h("tr", { class: "gap", dataset: { count: "0" } }, h("td", { colspan: width }));
        tbody.append(gap);
      }
      gap.dataset.count = String(Number(gap.dataset.count) + 1);
      gap.firstChild.textContent = `⋯ 省略 ${gap.dataset.count} 行`;
    } else gap = null;
    const tr = h(
      "tr",
      { class: isMatch ? "is-match" : null, hidden: !visible, dataset: { folded: visible ? null : "1" } },
      mergedCells(pad(row)).map(({ text, span }, j) =>
        h(
          "td",
          { colspan: span > 1 ? span : null, class: cellClass(text) },
          markTerms(text, terms),
          isMatch && j === 0 && h("span", { class: "visually-hidden" }, "（匹配行）"),
        ),
      ),
    );
    tbody.append(tr);
  });

  const tableEl = h("table", { class: "data-table" }, caption, thead, tbody);
  const wrap = h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": table.caption || "表格", tabindex: 0 },
    tableEl,
  );
  const box = h("div", { class: "report-table", id });
  box.append(wrap);
  if (folded > 0) {
    const label = (open) => (open ? "只看匹配行" : `显示全部 ${rows.length} 行`);
    const button = h("button", { type: "button", class: "btn-link toggle", "aria-expanded": "false" }, label(false));
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      button.textContent = label(open);
      for (const tr of tbody.querySelectorAll("tr[data-folded]")) tr.hidden = !open;
      for (const tr of tbody.querySelectorAll("tr.gap")) tr.hidden = open;
    });
    box.append(button);
  }
  return box;
}
