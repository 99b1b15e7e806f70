/* 绩效知识库 search widget.
 *
 *   <div data-jixiao-search></div>
 *   <script src="http://HOST:PORT/widget.js" async></script>
 *
 * Options on the div: data-api="http://host:port" (the service; default: where this script came
 * from), data-top-k="5", data-placeholder="…". The page's origin must be listed in the service's
 * cors_origins (JIXIAO_CORS_ORIGINS). The widget lives in a shadow root, so the host page's CSS
 * cannot restyle it and its CSS cannot leak out. It is a classic script (no modules) so that it
 * works with one plain <script> tag on any page.
 */
(function () {
  "use strict";

  // document.currentScript exists only while this file runs for the first time; remember it now.
  var script = document.currentScript;
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var KINDS = { passage: "段落", table: "表格", indicator: "绩效指标" };
  var counter = 0;

  var CSS = [
    ":host { all: initial; display: block; font-family: 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif;",
    "  font-size: 15px; line-height: 1.65; color: #1f2933; }",
    ".box { border: 1px solid #d5dde6; border-radius: 6px; background: #fff; padding: 14px 16px; }",
    ".title { margin: 0 0 6px; font-size: 15px; font-weight: 600; color: #1a4e8c; }",
    "label { display: block; font-size: 14px; margin-bottom: 4px; }",
    ".row { display: flex; gap: 8px; }",
    "input { flex: 1; min-width: 0; font: inherit; font-size: 16px; padding: 7px 10px; color: #1f2933;",
    "  border: 1px solid #aebccb; border-radius: 6px; background: #fff; }",
    "button { font: inherit; padding: 7px 16px; border: 1px solid #1a4e8c; border-radius: 6px; background: #1a4e8c;",
    "  color: #fff; cursor: pointer; white-space: nowrap; }",
    "button:hover { background: #123a6a; }",
    ":focus-visible { outline: 3px solid #2f6fd6; outline-offset: 2px; }",
    "input:focus-visible { outline-offset: 0; }",
    ".status { margin: 8px 0 0; font-size: 13px; color: #52606d; }",
    ".status.error { color: #a61b1b; }",
    "ol { list-style: none; margin: 8px 0 0; padding: 0; }",
    "li { padding: 8px 0; border-top: 1px solid #e4e9ef; }",
    "a { color: #1a4e8c; font-weight: 600; text-underline-offset: 2px; }",
    ".meta { display: block; font-size: 12.5px; color: #52606d; }",
    ".text { display: block; font-size: 14px; overflow-wrap: anywhere; }",
    ".kind { display: inline-block; margin-right: 6px; padding: 0 5px; font-size: 12px; font-weight: 600;",
    "  line-height: 18px; border: 1px solid currentColor; border-radius: 3px; color: #35506e; vertical-align: 1px; }",
    "mark { background: #ffe9a8; color: inherit; padding: 0 1px; border-radius: 2px; }",
    ".more { display: inline-block; margin-top: 6px; font-size: 14px; font-weight: 400; }",
    ".sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }",
  ].join("\n");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (attrs[key] !== null && attrs[key] !== undefined) node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) node.append(child);
    });
    return node;
  }

  /** Text with [start, end) ranges (Python code points) in <mark>, cut to about `size` characters. */
  function snippet(text, ranges, size) {
    var chars = Array.from(text);
    var sorted = (ranges || []).slice().sort(function (a, b) { return a[0] - b[0]; });
    // Start near the highlight whose window holds the most highlighted text (length squared, so
    // the whole query beats scattered parts of it), as the search page does.
    var start = 0;
    var best = -1;
    sorted.forEach(function (r) {
      var from = Math.max(0, Math.min(r[0] - 20, chars.length - size));
      var score = sorted.reduce(function (sum, o) {
        return o[0] >= from && o[1] <= from + size ? sum + (o[1] - o[0]) * (o[1] - o[0]) : sum;
      }, 0);
      if (score > best) { best = score; start = from; }
    });
    // Begin at the start of that sentence when it is near, so the snippet reads naturally.
    for (var i = start - 1; i >= Math.max(0, start - 40); i--) {
      if (/[。；！？\n]/.test(chars[i])) { start = i + 1; break; }
    }
    var end = Math.min(chars.length, start + size);
    var frag = document.createDocumentFragment();
    if (start > 0) frag.append("…");
    var pos = start;
    sorted.forEach(function (r) {
      var a = Math.max(r[0], pos);
      var b = Math.min(r[1], end);
      if (b <= a) return;
      frag.append(chars.slice(pos, a).join(""));
      frag.append(el("mark", null, [chars.slice(a, b).join("")]));
      pos = b;
    });
    frag.append(chars.slice(pos, end).join(""));
    if (end < chars.length) frag.append("…");
    return frag;
  }

  /** What a hit says: a table's matching rows, else a snippet of its text. */
  function summary(r) {
    var matches = r.table ? r.table.match_rows || [] : [];
    if (matches.length) {
      var rows = matches.map(function (i) {
        return (r.table.rows[i] || []).filter(Boolean).join(" ｜ ");
      }).join("；");
      return rows.length > 160 ? rows.slice(0, 160) + "…" : rows;
    }
    return snippet(r.text || "", r.highlights, 110);
  }

  /** The report viewer on the service's origin, at the hit's section (or table, or indicators). */
  function viewerUrl(api, r) {
    var anchor = "";
    if (r.section && r.section.id !== null && r.section.id !== undefined) anchor = "#section-" + r.section.id;
    else if (r.table && r.table.id !== null && r.table.id !== undefined) anchor = "#table-" + r.table.id;
    else if (r.kind === "indicator") anchor = "#indicators";
    return api + "/reports/" + encodeURIComponent(r.report.id) + anchor;
  }

  function mount(host) {
    if (host.shadowRoot || host.dataset.jixiaoMounted) return;
    host.dataset.jixiaoMounted = "1";
    var api = (host.getAttribute("data-api") || scriptOrigin).replace(/\/+$/, "");
    var topK = parseInt(host.getAttribute("data-top-k") || "5", 10) || 5;
    var id = "jx" + ++counter;
    var root = host.attachShadow({ mode: "open" });

    var input = el("input", {
      id: id + "-q",
      type: "search",
      name: "q",
      autocomplete: "off",
      enterkeyhint: "search",
      placeholder: host.getAttribute("data-placeholder") || "例如：电梯保险、三公经费",
    });
    var form = el("form", { role: "search", "aria-label": "绩效知识库检索" }, [
      el("label", { for: id + "-q" }, ["检索绩效自评报告"]),
      el("div", { class: "row" }, [input, el("button", { type: "submit" }, ["检索"])]),
    ]);
    var status = el("p", { class: "status", role: "status", "aria-live": "polite" });
    var list = el("ol", { "aria-label": "检索结果" });
    root.append(
      el("style", null, [CSS]),
      el("div", { class: "box" }, [el("p", { class: "title" }, ["绩效知识库"]), form, status, list]),
    );

    var seq = 0;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var q = input.value.trim();
      list.replaceChildren();
      if (!q) {
        status.textContent = "请输入要检索的内容。";
        input.focus();
        return;
      }
      var mine = ++seq;
      status.className = "status";
      status.textContent = "正在检索…";
      var url = api + "/api/search?" + new URLSearchParams({ q: q, top_k: String(topK) }).toString();
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().catch(function () { return null; }).then(function (body) {
            if (!response.ok || !body) {
              var message = body && body.error && body.error.message;
              throw new Error(message || "服务暂时不可用（HTTP " + response.status + "）");
            }
            return body;
          });
        })
        .then(function (data) {
          if (mine !== seq) return;
          status.textContent = data.total ? "找到 " + data.total + " 条结果" : "没有找到与“" + q + "”相关的内容。";
          data.results.forEach(function (r) {
            // Titled by section (as on the search page): the report title would repeat on every hit.
            var heading = r.section.heading || r.report.title;
            var path = (r.section.path || []).slice();
            if (path[path.length - 1] === heading) path.pop();
            var meta = [r.report.unit, r.report.year ? r.report.year + " 年度" : "", path.join(" › "),
              r.page !== null && r.page !== undefined ? "第 " + r.page + " 页" : ""].filter(Boolean).join(" · ");
            list.append(el("li", { class: "result" }, [
              el("span", { class: "kind" }, [KINDS[r.kind] || r.kind]),
              el("a", { href: viewerUrl(api, r), target: "_blank", rel: "noopener", title: r.report.title }, [
                heading, el("span", { class: "sr" }, ["（在新窗口打开）"]),
              ]),
              el("span", { class: "meta" }, [meta]),
              el("span", { class: "text" }, [summary(r)]),
            ]));
          });
          if (data.total > data.results.length) {
            list.append(el("li", null, [
              el("a", { class: "more", href: api + "/?q=" + encodeURIComponent(q), target: "_blank", rel: "noopener" },
                ["查看全部 " + data.total + " 条结果"]),
            ]));
          }
        })
        .catch(function (err) {
          if (mine !== seq) return;
          status.className = "status error";
          // fetch rejects with a TypeError on network or CORS failure: say so in plain words.
          status.textContent = err instanceof TypeError
            ? "无法连接绩效知识库服务（" + api + "）。请确认服务已启动，且允许本网站访问。"
            : "检索出错：" + err.message;
        });
    });
  }

  function mountAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-jixiao-search]"), mount);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();

  // Pages that add a <div data-jixiao-search> later (single-page apps) call JixiaoSearch.mountAll().
  window.JixiaoSearch = { mountAll: mountAll };
})();
