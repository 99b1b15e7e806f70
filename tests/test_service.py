"""A portal user searches and asks over HTTP; an administrator uploads and deletes reports."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.config import Settings
from service.app import create_app
from tests.conftest import CORPUS, LUSONG, ZHUZHOU


@pytest.fixture(scope="module")
def client(real_settings: Settings) -> TestClient:
    return TestClient(create_app(real_settings))


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def assert_error_shape(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "detail"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_health(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["stats"]["reports"] == 2
    assert body["writes_enabled"] is False


def test_elevator_insurance_passage_with_highlights_and_citation(client: TestClient) -> None:
    body = search(client, q="电梯保险")
    top = body["results"][0]
    assert "3252" in top["text"]
    assert set(top) >= {"text", "score", "kind", "report", "section", "page", "highlights", "table"}
    assert top["report"]["unit"] == "株洲市房屋维修资金管理中心"
    assert set(top["report"]) >= {"id", "title", "unit", "region", "year", "type", "source"}
    assert top["report"]["source"].endswith(".pdf") and isinstance(top["page"], int)
    assert top["section"]["path"][0].startswith("六、")
    start, end = top["highlights"][0]
    assert top["text"][start:end] in ("电梯保险", "电梯", "保险")


def test_table_hit_returns_whole_table_with_matching_rows(client: TestClient) -> None:
    body = search(client, q="三公经费", kind="table")
    assert body["results"] and all(r["kind"] == "table" for r in body["results"])
    table = body["results"][0]["table"]
    assert "基础数据表" in table["caption"]
    marked = [table["rows"][i] for i in table["match_rows"]]
    assert any("三公经费" in "".join(row) for row in marked)
    assert len(table["rows"]) >= 19


def test_filters_narrow_and_empty_filters_return_nothing(client: TestClient) -> None:
    everything = search(client, q="存在的问题")
    assert set(everything["facets"]["unit"]) == {
        "株洲市房屋维修资金管理中心",
        "株洲市芦淞区物业服务指导中心",
    }
    lusong = search(client, q="存在的问题", unit="芦淞区物业服务指导中心")
    assert lusong["total"] > 0
    assert {r["report"]["unit"] for r in lusong["results"]} == {"株洲市芦淞区物业服务指导中心"}
    assert set(lusong["facets"]["unit"]) == {"株洲市芦淞区物业服务指导中心"}
    assert search(client, q="存在的问题", year="2023", type="整体支出")["total"] > 0
    assert search(client, q="存在的问题", year="2021-2022")["results"] == []
    assert search(client, q="存在的问题", region="长沙市")["total"] == 0
    indicators = search(client, q="加装电梯", kind="indicator")
    assert indicators["results"][0]["kind"] == "indicator"
    assert "50台" in indicators["results"][0]["text"]


def test_pagination_is_stable_and_disjoint(client: TestClient) -> None:
    first = search(client, q="资金", top_k=5)
    second = search(client, q="资金", top_k=5, offset=5)
    assert first["total"] == second["total"] > 10
    ids_a = {r["chunk_id"] for r in first["results"]}
    ids_b = {r["chunk_id"] for r in second["results"]}
    assert len(ids_a) == 5 and not ids_a & ids_b
    facets_total = sum(first["facets"]["kind"].values())
    assert facets_total == first["total"]


def test_post_search_and_modes(client: TestClient) -> None:
    body = client.post("/api/search", json={"q": "预算编得不够细", "mode": "semantic"}).json()
    assert any("预算编制" in r["text"] for r in body["results"][:3])
    keyword = client.post("/api/search", json={"q": "40124", "mode": "keyword"}).json()
    assert "40124" in keyword["results"][0]["text"]


def test_errors_have_one_shape(client: TestClient) -> None:
    assert_error_shape(client.get("/api/search", params={"q": " "}), 400, "empty_query")
    assert_error_shape(client.get("/api/search"), 422, "invalid_request")
    assert_error_shape(
        client.get("/api/search", params={"q": "x", "mode": "fuzzy"}), 400, "bad_request"
    )
    assert_error_shape(
        client.get("/api/search", params={"q": "x", "year": "去年"}), 400, "bad_request"
    )
    assert_error_shape(client.get("/api/reports/999"), 404, "report_not_found")
    assert_error_shape(client.get("/api/nowhere"), 404, "not_found")
    assert_error_shape(client.delete("/api/reports/1"), 403, "writes_disabled")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("株洲市房屋维修资金管理中心2023年度整体支出绩效自评总分是多少？", "97"),
        ("芦淞区物业服务指导中心的自评得分是多少？", "83"),
        ("芦淞区物业服务指导中心2023年实际在职人数是多少？", "7"),
        ("截至2023年底株洲市房屋维修资金管理中心管理的资金总量是多少？", "55.6亿"),
        ("芦淞区加装电梯的实际完成值是多少？", "16台"),
    ],
)
def test_ask_answers_with_citations(client: TestClient, question: str, expected: str) -> None:
    body = client.get("/api/ask", params={"q": question}).json()
    assert body["answer"] and expected in body["answer"], body
    assert body["citations"], "an answer always cites its source"
    cited = "".join(
        c["text"] + "".join("".join(r) for r in (c["table"] or {}).get("rows", []))
        for c in body["citations"]
    )
    assert expected in cited.replace(" ", "")


def test_ask_says_no_answer_rather_than_guess(client: TestClient) -> None:
    body = client.post("/api/ask", json={"q": "长沙市教育局2019年的自评总分是多少？"}).json()
    assert body["answer"] is None
    body = client.get("/api/ask", params={"q": "火星探测器的发射窗口是哪天？"}).json()
    assert body["answer"] is None


def test_reports_list_detail_and_original_file(client: TestClient) -> None:
    listing = client.get("/api/reports").json()
    assert listing["total"] == 2 and listing["facets"]["year"] == {"2023": 2}
    zhuzhou = next(r for r in listing["reports"] if r["unit"].startswith("株洲市房屋"))
    detail = client.get(f"/api/reports/{zhuzhou['id']}").json()
    assert len([s for s in detail["sections"] if s["level"] == 1]) >= 9
    assert len(detail["indicators"]) == 10 and len(detail["tables"]) == 2
    original = client.get(zhuzhou["file_url"])
    assert original.status_code == 200
    assert original.content == (CORPUS / f"{ZHUZHOU}.pdf").read_bytes()


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for route in ("/api/health", "/api/search", "/api/ask", "/api/reports"):
        assert route in paths


def test_upload_and_delete_need_the_token(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(
        data_dir=str(data), embedder="hash", api_token="s3cret", cache_dir=str(tmp_path)
    )
    from indexer.store import Store

    Store(data, create=True).close()
    client = TestClient(create_app(settings))
    path = CORPUS / f"{LUSONG}.txt"
    files = {"file": (path.name, path.read_bytes(), "text/plain")}
    assert_error_shape(client.post("/api/reports", files=files), 401, "unauthorized")
    wrong = {"Authorization": "Bearer nope"}
    assert_error_shape(client.post("/api/reports", files=files, headers=wrong), 401, "unauthorized")
    auth = {"Authorization": "Bearer s3cret"}
    created = client.post("/api/reports", files=files, headers=auth)
    assert created.status_code == 201, created.text
    report = created.json()["report"]
    assert report["unit"] == "株洲市芦淞区物业服务指导中心" and report["total_score"] == 83
    again = client.post("/api/reports", files=files, headers=auth).json()
    assert again["status"] == "unchanged"
    assert client.get("/api/search", params={"q": "加装电梯"}).json()["total"] > 0
    bad = {"file": ("broken.pdf", b"%PDF-1.4 nonsense", "application/pdf")}
    assert_error_shape(client.post("/api/reports", files=bad, headers=auth), 422, "bad_input")
    odd = {"file": ("notes.xlsx", b"PK..", "application/octet-stream")}
    assert_error_shape(
        client.post("/api/reports", files=odd, headers=auth), 415, "unsupported_format"
    )
    assert_error_shape(client.delete(f"/api/reports/{report['id']}"), 401, "unauthorized")
    assert client.delete(f"/api/reports/{report['id']}", headers=auth).json() == {
        "deleted": report["id"]
    }
    assert client.get("/api/search", params={"q": "加装电梯"}).json()["total"] == 0
    assert_error_shape(
        client.delete(f"/api/reports/{report['id']}", headers=auth), 404, "report_not_found"
    )
    shutil.rmtree(data)


def test_names_are_told_apart_from_topics() -> None:
    """A unit is named by its region, not by the department type or a topic word."""
    from indexer.search import mentioned_reports
    from indexer.store import ReportRow

    def row(i: int, unit: str, region: str, title: str) -> ReportRow:
        return ReportRow(
            i,
            "",
            "",
            "txt",
            title,
            unit,
            region,
            2022,
            "整体支出",
            None,
            None,
            None,
            {},
            "",
            None,
            "",
        )

    reports = [
        row(
            1,
            "宜都市人力资源和社会保障局",
            "宜都市",
            "2022年度宜都市人力资源和社会保障局整体支出绩效自评报告",
        ),
        row(
            2,
            "仁怀市人力资源和社会保障局",
            "仁怀市",
            "2022年度仁怀市职业技能提升行动项目支出绩效自评报告",
        ),
        row(3, "湘潭市民政局", "湘潭市", "2022年度湘潭市民政局整体支出绩效自评报告"),
        row(4, "桂林市民政局", "桂林市", "2022年度桂林市特困人员救助供养项目支出绩效自评报告"),
    ]
    named = mentioned_reports("宜都市人力资源和社会保障局2022年培训取证人数是多少？", reports)
    assert [r.id for r in named] == [1]
    named = mentioned_reports("湘潭市民政局2022年特困人员供养人数是多少？", reports)
    assert [r.id for r in named] == [3]
