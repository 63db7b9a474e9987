"""The dashboard in a real headless Chromium against a real ``smart-spawn serve``.

Every page must load with no console error and no failed request, at desktop width and at
375 px (without horizontal scrolling of the page itself); screenshots of each land in
``artifacts/dashboard``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from smart_spawn_plugin.engine.catalog.enrichment import build_catalog
from smart_spawn_plugin.engine.catalog.sources.registry import load_snapshot
from tests.server.dashboard.browser import PageWatch

PAGES = [
    ("try", "/dashboard"),
    ("try-card", "/dashboard?task=Refactor+the+billing+module+in+TypeScript+and+add+tests"),
    (
        "try-swarm",
        "/dashboard?task=Research+vector+databases%2C+then+write+a+comparison"
        "+report+and+build+a+demo+app&view=swarm",
    ),
    ("frontier", "/dashboard/frontier?category=coding&budget=medium"),
    ("sources", "/dashboard/sources"),
    ("spend", "/dashboard/spend"),
    ("ratings", "/dashboard/ratings"),
    ("config", "/dashboard/config"),
]


@pytest.fixture
def page(browser_context: Any) -> Any:
    opened = browser_context.new_page()
    yield opened
    opened.close()


def _open(page: Any, url: str) -> PageWatch:
    watch = PageWatch()
    watch.attach(page)
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    return watch


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_loads_clean_at_desktop_and_375px(
    page: Any, live_server: str, artifacts: Path, name: str, path: str
) -> None:
    watch = _open(page, live_server + path)
    assert page.locator("h1").count() == 1
    assert page.locator("nav a[aria-current=page]").count() == 1
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    watch.assert_clean(name)

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload(wait_until="networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(artifacts / f"{name}-375.png"), full_page=True)
    watch.assert_clean(f"{name} at 375 px")
    assert overflow <= 376, f"{name}: page is {overflow}px wide at a 375px viewport"


def test_try_a_task_shows_the_routing_card_of_the_api_pick(page: Any, live_server: str) -> None:
    watch = _open(page, live_server + "/dashboard")
    task = "Write a thorough literature review of retrieval-augmented generation"
    page.get_by_label("Task").fill(task)
    page.get_by_label("Budget").select_option("high")
    page.get_by_role("button", name="Route it").click()
    card = page.locator("#routing-card")
    card.wait_for()
    expected = httpx.get(f"{live_server}/api/pick", params={"task": task, "budget": "high"}).json()[
        "data"
    ]
    assert card.locator("#pick-name").inner_text() == expected["name"]
    assert expected["id"] in card.inner_text()
    assert card.locator("text=Runner-ups").count() == 1
    assert card.locator("text=Evidence").count() == 1
    assert card.locator(".chip.strong").first.inner_text() == expected["category"]
    assert "budget=high" in page.url  # the in-place update keeps a shareable URL
    watch.assert_clean("try a task")


def test_swarm_view_draws_one_node_per_task(page: Any, live_server: str) -> None:
    task = "Research vector databases, then write a comparison report and build a demo app"
    watch = _open(page, f"{live_server}/dashboard?task={task}&view=swarm")
    plan = httpx.post(f"{live_server}/api/swarm", json={"task": task}).json()
    nodes = page.locator("svg.dag g.node")
    assert nodes.count() == plan["dag"]["totalTasks"]
    assert page.locator("svg.dag path.edge").count() == len(plan["dag"]["edges"])
    watch.assert_clean("swarm view")


@pytest.mark.parametrize("category", ["coding", "vision"])
def test_frontier_has_one_point_per_model_in_the_category(
    page: Any, live_server: str, category: str
) -> None:
    watch = _open(page, f"{live_server}/dashboard/frontier?category={category}&budget=low")
    catalog, _ = build_catalog(load_snapshot())
    expected = sorted(m.id for m in catalog.models if category in m.scores)
    ids = page.locator("svg.frontier circle.pt").evaluate_all("els => els.map(e => e.dataset.id)")
    assert sorted(ids) == expected
    pick = httpx.get(
        f"{live_server}/api/pick", params={"category": category, "budget": "low"}
    ).json()["data"]
    picked = page.locator("svg.frontier circle.pt.picked")
    assert picked.count() == 1
    assert picked.get_attribute("data-id") == pick["id"]
    page.locator("svg.frontier circle.pt.picked").hover(force=True)
    assert pick["name"] in page.locator("#tip").inner_text()
    watch.assert_clean("frontier")


def _openmark_csv(path: Path, ids: list[str]) -> Path:
    lines = [
        "# task_name: invoice_extraction",
        "# display_name: Invoice extraction",
        "# description: Pull totals and dates out of scanned invoices",
        "Model,Provider,OC OR Key,Score (%),Cost per call,Time (s)",
    ]
    for i, model_id in enumerate(ids):
        lines.append(
            f"{model_id.split('/')[1]},{model_id.split('/')[0]},{model_id},"
            f"{90 - 7 * i},$0.00{i + 1},{1.5 + i}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_openmark_csv_upload_shows_the_parse_result(
    page: Any, live_server: str, tmp_path: Path, artifacts: Path
) -> None:
    models = httpx.get(f"{live_server}/api/models", params={"limit": 30}).json()["data"]
    ids = [m["id"] for m in models if ":" not in m["id"]][:3]  # three distinct base models
    watch = _open(page, live_server + "/dashboard/config")
    page.get_by_label("OpenMark export (.csv)").set_input_files(
        str(_openmark_csv(tmp_path / "invoice.csv", ids))
    )
    page.get_by_role("button", name="Import").click()
    result = page.locator("#import-result")
    result.wait_for()
    text = result.inner_text()
    assert "invoice_extraction" in text
    assert "3 scored rows" in text
    matched = text.split("Matched:")[1]
    assert all(model_id in matched for model_id in ids)
    page.screenshot(path=str(artifacts / "config-import.png"), full_page=True)
    watch.assert_clean("csv upload")

    bad = tmp_path / "bad.csv"
    bad.write_text("Model,Score (%)\nx,50\n", encoding="utf-8")
    page.get_by_label("OpenMark export (.csv)").set_input_files(str(bad))
    with page.expect_response(lambda r: r.url.endswith("/config/import")) as answer:
        page.get_by_role("button", name="Import").click()
    assert answer.value.status == 400
    assert "task_name" in page.locator("[role=alert]").inner_text()


def test_rate_a_recent_spawn_from_the_page(page: Any, live_server: str) -> None:
    watch = _open(page, live_server + "/dashboard/spend")
    first = page.locator("table.spawns tbody tr").first
    spawn_id = first.get_attribute("id")
    first.locator("select").select_option("2")
    first.get_by_role("button", name="Rate").click()
    page.wait_for_url("**/dashboard/spend?rated=*")
    assert "rated" in page.locator("[role=status]").first.inner_text()
    assert page.locator(f"#{spawn_id} select").input_value() == "2"
    watch.assert_clean("rate")
    _open(page, live_server + "/dashboard/ratings")
    assert page.locator("text=Your ratings per model").count() == 1
    assert page.locator("table tbody tr").count() >= 1


def test_refresh_button_reports_progress(page: Any, live_server: str) -> None:
    watch = _open(page, live_server + "/dashboard/sources")
    page.get_by_role("button", name="Refresh catalog").click()
    from playwright.sync_api import expect  # installed whenever the browser fixture ran

    status = page.locator("#refresh-status")
    expect(status).to_contain_text("finished", timeout=60_000)
    assert page.locator("#sources-table").get_attribute("data-refreshing") == "false"
    watch.assert_clean("refresh")


@pytest.mark.parametrize(
    ("name", "path"), PAGES[:1] + PAGES[3:], ids=[PAGES[0][0], *[p[0] for p in PAGES[3:]]]
)
def test_keyboard_first_stop_is_the_skip_link_and_every_control_is_labelled(
    page: Any, live_server: str, name: str, path: str
) -> None:
    watch = _open(page, live_server + path)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
             .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
             .map(el => el.outerHTML)"""
    )
    assert unlabelled == [], f"{name}: controls without a label {unlabelled}"
    watch.assert_clean(f"{name} keyboard")


def test_shared_server_sign_in_in_the_browser(
    browser_context: Any, tmp_path: Path, artifacts: Path
) -> None:
    from tests.server.dashboard.conftest import running_server

    key = "browser-team-key-42"
    with running_server(tmp_path, {"SMART_SPAWN_API_KEYS": key}) as base:
        page = browser_context.new_page()
        try:
            watch = _open(page, base + "/dashboard/spend")
            assert page.url == base + "/dashboard/login"  # redirected to the form
            page.screenshot(path=str(artifacts / "login.png"))
            page.get_by_label("API key").fill("wrong")
            with page.expect_response(lambda r: r.url.endswith("/dashboard/login")) as answer:
                page.get_by_role("button", name="Sign in").click()
            assert answer.value.status == 401
            assert "not valid" in page.locator("[role=alert]").inner_text()
            watch.failed.clear()  # the 401 above was the point (Chromium logs it too)
            watch.console_errors.clear()
            page.get_by_label("API key").fill(key)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(base + "/dashboard")
            assert key not in page.url
            cookies = browser_context.cookies(base + "/dashboard")
            assert [c["httpOnly"] for c in cookies] == [True]
            assert all(key not in c["value"] for c in cookies)
            page.goto(base + "/dashboard/frontier", wait_until="networkidle")
            assert page.locator("svg.frontier circle.pt").count() > 0
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_url(base + "/dashboard/login")
            watch.assert_clean("shared sign-in")
        finally:
            page.close()
