"""The web UI end to end — search page, ask box, report viewer, widget — in headless Chromium.

A real uvicorn serves an index of ``corpus/`` built with the real default model; Playwright drives
Debian's ``chromium`` (never a browser downloaded by ``playwright install``). The widget is loaded
by a page on a second origin, which the service allows through ``cors_origins``. Screenshots go to
``tests/artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import re
import shutil
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    pytest.skip(
        "browser tests skipped: the playwright package is not installed (make install adds it)",
        allow_module_level=True,
    )

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip(
        "browser tests skipped: Debian's chromium is not installed "
        "(apt-get install -y chromium; make install does it when run as root)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ZHUZHOU_UNIT = "株洲市房屋维修资金管理中心"
SCORE_QUESTION = "株洲市房屋维修资金管理中心的自评总分是多少？"


# ---------- servers ----------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclasses.dataclass
class Site:
    origin: str
    folder: Path


@pytest.fixture(scope="module")
def other_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A plain static site on another origin, where the widget gets embedded."""
    folder = tmp_path_factory.mktemp("other-site")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(f"http://127.0.0.1:{server.server_address[1]}", folder)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def base_url(real_settings: Any, other_site: Site) -> Iterator[str]:
    """The service under uvicorn on a free port, allowing the other site's origin (CORS)."""
    import uvicorn

    from service.app import create_app

    settings = dataclasses.replace(real_settings, cors_origins=other_site.origin)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    # The first search loads the model and the vector index; do it here, not inside a page wait.
    with urllib.request.urlopen(f"{url}/api/search?q={urllib.parse.quote('电梯')}", timeout=120):
        pass
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class PageErrors(list[str]):
    """JavaScript exceptions and console errors seen by a page (failed HTTP loads aside)."""

    def check(self) -> None:
        assert not self, f"JavaScript errors in the page: {list(self)}"


def _open_page(browser: Browser, base_url: str, width: int = 1280, height: int = 900) -> Any:
    context = browser.new_context(
        base_url=base_url, locale="zh-CN", viewport={"width": width, "height": height}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = PageErrors()

    def on_console(msg: Any) -> None:
        # The browser logs every 4xx/5xx fetch ("Failed to load resource"); error states are tested.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(msg.text)

    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", on_console)
    return context, page, errors


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context, page, errors = _open_page(browser, base_url)
    yield page
    context.close()
    errors.check()


def search(page: Page, query: str) -> None:
    """Type a query into the search box and press Enter, as a user does."""
    box = page.get_by_label("检索报告内容")
    box.fill(query)
    box.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text("找到")


def total(page: Page) -> int:
    heading = page.locator("#results-heading").inner_text()
    match = re.search(r"(\d+)", heading)
    assert match, heading
    return int(match.group(1))


# ---------- search page ----------


def test_search_shows_the_zhuzhou_passage_with_highlights(page: Page, artifacts: Path) -> None:
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".report-list li")).to_have_count(2)  # the start page lists the reports
    search(page, "电梯保险")
    assert "?q=" + urllib.parse.quote("电梯保险") in page.url

    hit = page.locator("li.result", has_text="3252").first
    expect(hit).to_be_visible()
    expect(hit.locator(".result-meta")).to_contain_text(ZHUZHOU_UNIT)
    expect(hit.locator(".result-meta")).to_contain_text("2023 年度")
    expect(hit.locator(".result-meta")).to_contain_text("第 2 页")
    expect(hit.locator(".result-title")).to_contain_text("1、2023年取得的市以上重大荣誉")
    expect(hit.locator(".crumbs")).to_contain_text("六、资金使用及绩效情况")
    marks = hit.locator(".result-text mark").all_inner_texts()
    assert "电梯保险" in marks, marks

    # A long passage starts as a snippet; 展开全文 shows all of it, 收起 folds it again.
    toggle = hit.get_by_role("button", name="展开全文")
    text = hit.locator(".result-text")
    assert "我市自2021年始" not in text.inner_text()
    page.screenshot(path=str(artifacts / "search.png"), full_page=False)
    toggle.click()
    expect(hit.get_by_role("button", name="收起")).to_have_attribute("aria-expanded", "true")
    expect(text).to_contain_text("我市自2021年始")


def test_facets_narrow_results_and_table_hits_are_tables(page: Page, artifacts: Path) -> None:
    page.goto("/?q=" + urllib.parse.quote("电梯保险"))  # a bookmarked search loads directly
    expect(page.get_by_label("检索报告内容")).to_have_value("电梯保险")
    expect(page.locator("#results-heading")).to_contain_text("找到")
    before = total(page)

    page.locator(".facet-btn[data-facet='kind'][data-value='table']").click()
    expect(page.locator(".facet-btn[data-facet='kind'][data-value='table']")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert "kind=table" in page.url
    after = total(page)
    assert 0 < after < before
    kinds = page.locator("li.result").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds and set(kinds) == {"table"}, kinds

    first = page.locator("li.result").first
    table = first.locator("table.data-table")
    expect(table).to_be_visible()
    expect(table.locator("thead th").first).to_be_visible()
    marked = table.locator("tr.is-match")
    assert marked.count() >= 1
    expect(marked.first).to_be_visible()
    expect(marked.first.locator("mark").first).to_be_visible()  # query terms marked in cells
    page.screenshot(path=str(artifacts / "table-hit.png"), full_page=False)

    # A second facet (a unit) narrows further; its chip removes it again.
    page.locator(f".facet-btn[data-facet='unit'][data-value='{ZHUZHOU_UNIT}']").click()
    expect(page.locator(".chip", has_text=ZHUZHOU_UNIT)).to_be_visible()
    units = page.locator("li.result .result-meta .unit").all_inner_texts()
    assert units and set(units) == {ZHUZHOU_UNIT}, units
    page.locator(".chip", has_text=ZHUZHOU_UNIT).click()
    expect(page.locator(".chip", has_text=ZHUZHOU_UNIT)).to_have_count(0)
    assert total(page) == after


def test_pagination_and_back_forward_restore_the_search(page: Page) -> None:
    page.goto("/")
    search(page, "电梯保险")
    first_titles = page.locator("li.result .result-title").all_inner_texts()
    pager = page.get_by_role("navigation", name="分页")
    pager.get_by_role("link", name="第 2 页").click()
    expect(pager.get_by_role("link", name="第 2 页")).to_have_attribute("aria-current", "page")
    assert "page=2" in page.url
    expect(page.locator(".results-head .took")).to_contain_text("第 11–")

    search(page, "三公经费")
    expect(page.locator("li.result").first).to_contain_text("三公经费")

    page.go_back()  # page 2 of 电梯保险
    expect(page.get_by_label("检索报告内容")).to_have_value("电梯保险")
    expect(page.locator(".results-head .took")).to_contain_text("第 11–")
    page.go_back()  # page 1
    expect(page.locator(".results-head .took")).to_contain_text("第 1–10 条")
    assert page.locator("li.result .result-title").all_inner_texts() == first_titles
    page.go_forward()
    page.go_forward()
    expect(page.get_by_label("检索报告内容")).to_have_value("三公经费")
    expect(page.locator("li.result").first).to_contain_text("三公经费")


def test_mode_switch_empty_and_error_states(page: Page) -> None:
    page.goto("/")
    search(page, "电梯保险")
    # Keyboard only: Tab from the box reaches 检索, then the mode radios; an arrow key switches.
    page.get_by_label("检索报告内容").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="检索", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="综合")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"mode=keyword"))
    expect(page.get_by_role("radio", name="关键词")).to_be_checked()

    search(page, "zzqqxx")
    expect(page.locator(".state")).to_contain_text("没有找到与“zzqqxx”相关的内容")
    expect(page.get_by_role("link", name=re.compile("语义"))).to_be_visible()

    page.goto("/?q=" + urllib.parse.quote("电梯") + "&year=abc")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("检索没有完成")
    expect(alert).to_contain_text("年度格式不正确")


# ---------- ask box and report viewer ----------


def test_ask_answers_with_a_citation_that_opens_the_viewer(page: Page, artifacts: Path) -> None:
    page.goto("/")
    box = page.get_by_label("直接提问")
    box.fill(SCORE_QUESTION)
    box.press("Enter")
    answer = page.locator("#answer-text")
    expect(answer).to_contain_text("97")
    assert "ask=" in page.url
    citations = page.locator(".citations li a")
    assert citations.count() >= 1
    expect(citations.first).to_contain_text(ZHUZHOU_UNIT)
    page.screenshot(path=str(artifacts / "ask-answer.png"), full_page=False)

    href = citations.first.get_attribute("href") or ""
    assert re.fullmatch(r"/reports/\d+#(section|table)-\d+", href), href
    citations.first.click()
    page.wait_for_url(re.compile(r"/reports/\d+#"))
    target = page.locator(".is-target")
    expect(target).to_have_count(1)
    assert target.get_attribute("id") == href.split("#")[1]
    expect(target).to_be_in_viewport()
    expect(target.locator("tr.is-match, tr").first).to_be_visible()


def test_ask_without_a_reliable_answer(page: Page) -> None:
    page.goto("/?ask=" + urllib.parse.quote("明天的天气怎么样？"))
    expect(page.locator("#answer-text")).to_have_text("没有找到可靠的答案")


def test_viewer_of_an_unknown_report(page: Page) -> None:
    page.goto("/reports/999999")
    expect(page.get_by_role("alert")).to_contain_text("找不到这份报告")


def test_viewer_shows_outline_metadata_tables_and_indicators(page: Page, artifacts: Path) -> None:
    page.goto("/?q=" + urllib.parse.quote("电梯保险"))
    link = page.locator("li.result", has_text="3252").first.locator(".result-title a")
    href = link.get_attribute("href") or ""
    assert re.fullmatch(r"/reports/\d+#section-\d+", href), href
    link.click()
    page.wait_for_url(re.compile(r"/reports/\d+#section-\d+"))
    section = page.locator(".report-section.is-target")
    expect(section).to_contain_text("3252")
    expect(section).to_be_in_viewport()
    expect(page.locator(f".outline a[href='#{href.split('#')[1]}']")).to_have_attribute(
        "aria-current", "location"
    )

    meta = page.locator(".meta-grid")
    for text in (ZHUZHOU_UNIT, "株洲市", "2023 年度", "整体支出", "97", "6 页"):
        expect(meta).to_contain_text(text)
    expect(page.get_by_role("link", name=re.compile("原文"))).to_have_attribute(
        "href", re.compile(r"^/api/reports/\d+/file$")
    )

    indicators = page.locator("#indicators table")
    headers = indicators.locator("thead th").all_inner_texts()
    for name in ("指标", "指标值", "完成值", "分值", "得分", "偏差原因"):
        assert name in headers, headers
    row = indicators.locator("tr", has_text="推进电梯保险改革")
    expect(row).to_contain_text("≥4000台")
    expect(row.locator("td.lost")).to_have_text(re.compile(r"^9"))  # 9 of 10 points
    assert page.locator(".report-body table.data-table").count() >= 2  # the report's own tables

    # The outline is keyboard-usable: following a link moves the highlight to that section.
    outline_link = page.locator(".outline a", has_text="七、存在的问题及原因分析")
    outline_link.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".is-target")).to_contain_text("电梯维修保险制度机制推进还有待完善")
    page.goto(page.url.split("#")[0] + "#indicators")
    expect(page.locator("#indicators")).to_be_in_viewport()
    page.screenshot(path=str(artifacts / "viewer.png"), full_page=False)


# ---------- widget and narrow screens ----------


# A host page with hostile CSS: the widget's shadow root must keep it out.
WIDGET_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>某财政局门户</title>
<style>
  body { font-family: serif; margin: 24px; background: #fafafa; }
  input, button, a, li, p { color: red !important; font-size: 30px !important; }
</style></head>
<body><h1>某财政局门户（测试页）</h1><p>嵌入的检索框：</p>
<div id="default" data-jixiao-search></div>
<div id="explicit" data-jixiao-search data-api="API" data-top-k="3" style="margin-top:16px"></div>
<script src="API/widget.js"></script>
</body></html>
"""


def test_widget_on_another_origin(
    browser: Browser, base_url: str, other_site: Site, artifacts: Path
) -> None:
    page_html = WIDGET_PAGE.replace("API", base_url)
    (other_site.folder / "index.html").write_text(page_html, encoding="utf-8")
    context, page, errors = _open_page(browser, other_site.origin, height=1000)
    try:
        page.goto("/index.html")
        widget = page.locator("#default")
        # Playwright's CSS and role locators pierce (open) shadow roots.
        box = widget.get_by_label("检索绩效自评报告")
        box.fill("电梯保险")
        box.press("Enter")
        results = widget.locator("li.result")
        expect(results.first).to_be_visible()
        expect(widget.locator(".status")).to_contain_text("找到")
        assert results.count() == 5
        href = results.first.locator("a").get_attribute("href") or ""
        assert href.startswith(f"{base_url}/reports/"), href
        assert widget.locator("mark").count() >= 1
        # Shadow DOM: the host page's `color: red !important` does not reach the widget.
        color = results.first.locator("a").evaluate("a => getComputedStyle(a).color")
        assert color != "rgb(255, 0, 0)", color

        explicit = page.locator("#explicit")
        explicit.get_by_label("检索绩效自评报告").fill("三公经费")
        explicit.get_by_role("button", name="检索").click()
        expect(explicit.locator("li.result").first).to_be_visible()
        assert explicit.locator("li.result").count() == 3
        page.screenshot(path=str(artifacts / "widget.png"), full_page=True)

        # The viewer link works on the service's origin.
        page.goto(href)
        expect(page.locator(".is-target")).to_be_visible()
    finally:
        context.close()
    errors.check()


def test_narrow_screen(browser: Browser, base_url: str, artifacts: Path) -> None:
    context, page, errors = _open_page(browser, base_url, width=390, height=844)
    try:
        page.goto("/?q=" + urllib.parse.quote("电梯保险"))
        expect(page.locator("li.result").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone: {width}px"
        # The filters fold away on a phone; one tap opens them.
        facets = page.locator(".facets details")
        expect(facets).not_to_have_attribute("open", "")
        page.screenshot(path=str(artifacts / "search-390.png"), full_page=False)
        page.locator(".facets summary").click()
        expect(page.locator(".facet-btn").first).to_be_visible()

        page.goto(page.locator("li.result .result-title a").first.get_attribute("href") or "/")
        expect(page.locator(".is-target")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the viewer scrolls sideways on a phone: {width}px"
        page.screenshot(path=str(artifacts / "viewer-390.png"), full_page=False)
    finally:
        context.close()
    errors.check()
