"""``patentflow docs``: the GX Data Docs and dbt docs of every published release, on localhost.

Each build writes its GX Data Docs (``runs/<run_id>/gx_docs/``) and, when it publishes, the dbt
docs of exactly the models it built (``runs/<run_id>/dbt/static_index.html``, one self-contained
page). This serves ``runs/`` read-only on 127.0.0.1 with an index page listing the releases,
newest first, so the links in the DAG docs and in the publish task's log open in a browser.
"""

from __future__ import annotations

import html
import http.server
from functools import partial

from patentflow.core.settings import Settings
from patentflow.release.registry import current_release_id, list_releases

GX_INDEX = "gx_docs/index.html"
DBT_INDEX = "dbt/static_index.html"


def docs_url(settings: Settings, run_id: str | None = None) -> str:
    base = f"http://127.0.0.1:{settings.docs_port}/"
    return f"{base}runs/{run_id}/" if run_id else base


def index_html(settings: Settings) -> str:
    """The releases, newest first, each with links to its GX Data Docs and dbt docs."""
    current = current_release_id(settings)
    rows = []
    for release in reversed(list_releases(settings)):
        run = settings.runs_dir / str(release.run_id)
        links = [f'<a href="runs/{html.escape(str(release.run_id))}/{page}">{label}</a>'
                 for page, label in ((GX_INDEX, "GX Data Docs"), (DBT_INDEX, "dbt docs"))
                 if (run / page).is_file()]
        rows.append(f"<tr><td>{html.escape(release.release_id)}"
                    f"{' (current)' if release.release_id == current else ''}</td>"
                    f"<td>{html.escape(str(release.interval_end or ''))}</td>"
                    f"<td>{html.escape(release.status)}</td>"
                    f"<td>{' · '.join(links) or 'no docs kept'}</td></tr>")
    body = "\n".join(rows) or '<tr><td colspan="4">nothing published yet</td></tr>'
    return ("<!doctype html><meta charset=utf-8><title>patentflow docs</title>"
            "<h1>patentflow: data docs of the published releases</h1>"
            "<table border=1 cellpadding=4><tr><th>release</th><th>data interval end</th>"
            f"<th>status</th><th>docs</th></tr>\n{body}</table>")


def run_docs(settings: Settings, run_id: str) -> dict[str, str]:
    """The docs pages a run left, as URLs (for its log and summary)."""
    run = settings.runs_dir / run_id
    return {label: docs_url(settings, run_id) + page
            for page, label in ((GX_INDEX, "gx_data_docs"), (DBT_INDEX, "dbt_docs"))
            if (run / page).is_file()}


class _Handler(http.server.SimpleHTTPRequestHandler):
    settings: Settings

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        if self.path in ("/", "/index.html"):
            payload = index_html(self.settings).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        if not self.path.startswith("/runs/"):
            self.send_error(404, "only / and /runs/<run_id>/... are served")
            return
        super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def translate_path(self, path: str) -> str:
        # /runs/<run>/<page> → <home>/runs/<run>/<page>; SimpleHTTPRequestHandler refuses '..'
        return super().translate_path(path.removeprefix("/runs"))

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - keep the console quiet
        pass


def make_server(settings: Settings, port: int | None = None) -> http.server.ThreadingHTTPServer:
    """A server for ``runs/`` bound to 127.0.0.1 (port 0 picks a free one)."""
    handler = type("DocsHandler", (_Handler,), {"settings": settings})
    factory = partial(handler, directory=str(settings.runs_dir))
    settings.runs_dir.mkdir(parents=True, exist_ok=True)
    return http.server.ThreadingHTTPServer(
        ("127.0.0.1", settings.docs_port if port is None else port), factory)

