"""``patentflow docs``: an index of the releases linking each to its run's GX Data Docs and dbt
docs, the pages themselves, nothing outside ``runs/``, on 127.0.0.1 only."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest

from patentflow.core.settings import load_settings
from patentflow.release.docs_site import make_server, run_docs
from patentflow.release.registry import append_registry

RUN = "manual__2025-06-30T16_00_00_00_00-abcd1234"


@pytest.fixture
def served(tmp_path):
    settings = load_settings({"PATENTFLOW_HOME": str(tmp_path / "home")})
    (settings.runs_dir / RUN / "gx_docs").mkdir(parents=True)
    (settings.runs_dir / RUN / "gx_docs" / "index.html").write_text("<h1>GX suites</h1>")
    (settings.runs_dir / RUN / "dbt").mkdir()
    (settings.runs_dir / RUN / "dbt" / "static_index.html").write_text("<h1>dbt lineage</h1>")
    (settings.runs_dir / "secret.txt").write_text("not a docs page")
    (tmp_path / "home" / "outside.txt").write_text("outside runs/")
    settings.releases_dir.mkdir(parents=True)
    append_registry(settings, {"event": "published", "release_id": "20250630-abcd1234",
                               "run_id": RUN, "interval_end": "2025-07-01T00:00:00+08:00"})
    server = make_server(settings, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield settings, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as refused:
        return refused.code, ""


def test_the_index_links_each_release_to_its_runs_docs(served):
    settings, base = served
    status, index = _get(base)
    assert status == 200 and "20250630-abcd1234" in index
    assert f'href="runs/{RUN}/gx_docs/index.html">GX Data Docs' in index
    assert f'href="runs/{RUN}/dbt/static_index.html">dbt docs' in index
    assert _get(f"{base}runs/{RUN}/gx_docs/index.html") == (200, "<h1>GX suites</h1>")
    assert _get(f"{base}runs/{RUN}/dbt/static_index.html") == (200, "<h1>dbt lineage</h1>")


def test_nothing_else_of_the_home_is_served(served):
    _, base = served
    assert _get(f"{base}outside.txt")[0] == 404
    assert _get(f"{base}runs/../outside.txt")[0] == 404
    assert _get(f"{base}runs/%2e%2e/outside.txt")[0] == 404


def test_a_run_names_the_urls_of_the_docs_it_left(served):
    settings, _ = served
    docs = run_docs(settings, RUN)
    assert docs == {
        "gx_data_docs": f"http://127.0.0.1:{settings.docs_port}/runs/{RUN}/gx_docs/index.html",
        "dbt_docs": f"http://127.0.0.1:{settings.docs_port}/runs/{RUN}/dbt/static_index.html"}
    assert run_docs(settings, "no-such-run") == {}
