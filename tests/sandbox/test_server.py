"""The sandbox HTTP services answer exactly as source-systems.md describes."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime

import pytest
import requests

from devtools.sandbox.generator import API_KEYS, Dataset, generate_dataset
from devtools.sandbox.server import FaultConfig, SandboxServer, encode_cursor

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate_dataset(seed=3, scale=0.01, as_of=date(2026, 11, 26))


@pytest.fixture(scope="module")
def patent_server(dataset: Dataset) -> Iterator[SandboxServer]:
    with SandboxServer("patent", dataset, TOKEN, prefix="/gateway/patent") as server:
        yield server


@pytest.fixture(scope="module")
def finance_server(dataset: Dataset) -> Iterator[SandboxServer]:
    with SandboxServer("finance", dataset, TOKEN) as server:
        yield server


def fetch_all(base_url: str, path: str, **params: object) -> list[dict]:
    items: list[dict] = []
    cursor = None
    with requests.Session() as session:
        while True:
            query = dict(params, **({"cursor": cursor} if cursor else {}))
            answer = session.get(base_url + path, params=query, headers=AUTH, timeout=10)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert set(body) == {"items", "next_cursor"}
            items += body["items"]
            cursor = body["next_cursor"]
            if cursor is None:
                return items


def order_key(record: dict, entity: str) -> tuple[datetime, str]:
    return datetime.fromisoformat(record["updated_at"]), str(record[API_KEYS[entity]])


def test_serves_only_loopback(patent_server: SandboxServer) -> None:
    assert patent_server.url.startswith("http://127.0.0.1:")
    assert patent_server.url.endswith("/gateway/patent")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": TOKEN}])
def test_bad_or_missing_token_is_401(patent_server: SandboxServer, headers: dict) -> None:
    answer = requests.get(patent_server.url + "/v1/patents", headers=headers, timeout=10)
    assert answer.status_code == 401


@pytest.mark.parametrize(("service", "path", "entity"), [
    ("patent", "/v1/patents", "patents"), ("patent", "/v1/legal-events", "legal-events"),
    ("finance", "/v1/pledges", "pledges"),
    ("finance", "/v1/insurance-policies", "insurance-policies"),
    ("finance", "/v1/roadshows", "roadshows"),
])
def test_paging_serves_every_record_once_in_order(
        request: pytest.FixtureRequest, dataset: Dataset, service: str, path: str,
        entity: str) -> None:
    server: SandboxServer = request.getfixturevalue(f"{service}_server")
    items = fetch_all(server.url, path, limit=37)
    served = Counter(repr(sorted(i.items())) for i in items)
    expected = Counter(repr(sorted(r.items())) for r in dataset.api_records[entity])
    assert served == expected
    keys = [order_key(i, entity) for i in items]
    assert keys == sorted(keys)


def test_updated_since_is_inclusive(patent_server: SandboxServer, dataset: Dataset) -> None:
    events = dataset.api_records["legal-events"]
    pivot = sorted(events, key=lambda e: order_key(e, "legal-events"))[len(events) // 2]
    since = pivot["updated_at"]
    items = fetch_all(patent_server.url, "/v1/legal-events", updated_since=since, limit=500)
    moment = datetime.fromisoformat(since)
    expected = [e for e in events if datetime.fromisoformat(e["updated_at"]) >= moment]
    assert sorted(i["event_id"] + i["updated_at"] for i in items) == sorted(
        e["event_id"] + e["updated_at"] for e in expected)
    assert pivot in items


def test_updated_since_in_another_offset_means_the_same_instant(
        patent_server: SandboxServer) -> None:
    beijing = fetch_all(patent_server.url, "/v1/patents", updated_since="2025-01-01T08:00:00+08:00",
                        limit=1000)
    utc = fetch_all(patent_server.url, "/v1/patents", updated_since="2025-01-01T00:00:00Z",
                    limit=1000)
    assert beijing == utc and beijing


def test_limit_defaults_to_100_and_is_capped_at_1000(patent_server: SandboxServer,
                                                     dataset: Dataset) -> None:
    assert len(dataset.api_records["legal-events"]) > 1000
    url = patent_server.url + "/v1/legal-events"
    default = requests.get(url, headers=AUTH, timeout=10).json()
    capped = requests.get(url, params={"limit": 5000}, headers=AUTH, timeout=10).json()
    assert len(default["items"]) == 100 and default["next_cursor"]
    assert len(capped["items"]) == 1000 and capped["next_cursor"]


def test_cursor_encodes_a_position_and_can_be_replayed(patent_server: SandboxServer) -> None:
    url = patent_server.url + "/v1/patents"
    first = requests.get(url, params={"limit": 10}, headers=AUTH, timeout=10).json()
    replay_a = requests.get(url, params={"limit": 10, "cursor": first["next_cursor"]},
                            headers=AUTH, timeout=10).json()
    replay_b = requests.get(url, params={"limit": 10, "cursor": first["next_cursor"]},
                            headers=AUTH, timeout=10).json()
    assert replay_a == replay_b
    assert not {i["updated_at"] + i["application_no"] for i in first["items"]} & {
        i["updated_at"] + i["application_no"] for i in replay_a["items"]}


def test_last_page_has_null_cursor(finance_server: SandboxServer) -> None:
    answer = requests.get(finance_server.url + "/v1/roadshows", params={"limit": 1000},
                          headers=AUTH, timeout=10).json()
    assert answer["items"] and answer["next_cursor"] is None
    future = requests.get(finance_server.url + "/v1/roadshows",
                          params={"updated_since": "2030-01-01T00:00:00+08:00"}, headers=AUTH,
                          timeout=10).json()
    assert future == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("query", [
    {"limit": "abc"}, {"limit": "0"}, {"limit": "-5"}, {"updated_since": "yesterday"},
    {"updated_since": "2025-01-01T00:00:00"}, {"updated_since": "2021-02-30T00:00:00+08:00"},
    {"cursor": "not-a-cursor"}, {"cursor": encode_cursor("legal-events", (0, "x", 0))},
])
def test_malformed_parameters_are_400(patent_server: SandboxServer, query: dict) -> None:
    answer = requests.get(patent_server.url + "/v1/patents", params=query, headers=AUTH,
                          timeout=10)
    assert answer.status_code == 400
    assert "error" in answer.json()


@pytest.mark.parametrize("path", ["/v1/pledges", "/v1/unknown", "/v2/patents", "/"])
def test_unknown_paths_are_404(patent_server: SandboxServer, path: str) -> None:
    answer = requests.get(patent_server.url + path, headers=AUTH, timeout=10)
    assert answer.status_code == 404


def test_path_outside_the_prefix_is_404(patent_server: SandboxServer) -> None:
    root = patent_server.url.removesuffix("/gateway/patent")
    assert requests.get(root + "/v1/patents", headers=AUTH, timeout=10).status_code == 404


def test_faults_are_injected_at_the_configured_rates(dataset: Dataset) -> None:
    faults = FaultConfig(rate_limit_rate=0.2, error_rate=0.2, retry_after_seconds=3, seed=5)
    statuses: Counter[int] = Counter()
    retry_after: set[str] = set()
    with SandboxServer("finance", dataset, TOKEN, faults) as server, requests.Session() as s:
        for _ in range(400):
            answer = s.get(server.url + "/v1/roadshows", headers=AUTH, timeout=10)
            statuses[answer.status_code] += 1
            if answer.status_code == 429:
                retry_after.add(answer.headers["Retry-After"])
        assert server.request_count == 400
    assert retry_after == {"3"}
    assert 50 <= statuses[429] <= 110
    server_errors = statuses[500] + statuses[502] + statuses[503]
    assert 50 <= server_errors <= 110
    assert statuses[500] and statuses[502] and statuses[503]
    assert 180 <= statuses[200] <= 300


def test_same_fault_seed_same_fault_sequence(dataset: Dataset) -> None:
    def statuses() -> list[int]:
        faults = FaultConfig(error_rate=0.3, seed=9)
        with SandboxServer("finance", dataset, TOKEN, faults) as server:
            return [requests.get(server.url + "/v1/roadshows", headers=AUTH,
                                 timeout=10).status_code for _ in range(30)]
    assert statuses() == statuses()


def test_slow_answers_and_outage(dataset: Dataset) -> None:
    slow = FaultConfig(slow_rate=1.0, slow_seconds=0.3)
    with SandboxServer("finance", dataset, TOKEN, slow) as server:
        started = time.monotonic()
        answer = requests.get(server.url + "/v1/roadshows", headers=AUTH, timeout=10)
        assert answer.status_code == 200 and time.monotonic() - started >= 0.3
    outage = FaultConfig(outage_after=2)
    with SandboxServer("finance", dataset, TOKEN, outage) as server:
        codes = [requests.get(server.url + "/v1/roadshows", headers=AUTH, timeout=10).status_code
                 for _ in range(4)]
    assert codes == [200, 200, 503, 503]
