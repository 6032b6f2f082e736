"""tools/sticky_comment.py against a local stand-in for GitHub's REST API (127.0.0.1 only)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "sticky_comment.py"
MARKER = "<!-- ttsbench:pr-benchmarks -->"
HEAD = "a" * 40


class FakeGitHub:
    """Issue comments of pull request 7 of o/r, whose head is HEAD; records every call."""

    def __init__(self, comments):
        self.comments = [dict(c) for c in comments]
        self.calls: list[tuple[str, str]] = []
        self.tokens: set[str] = set()

    def handle(self, method: str, url: str, body: dict | None):
        self.calls.append((method, urlparse(url).path))
        path, query = urlparse(url).path, parse_qs(urlparse(url).query)
        if method == "GET" and path == "/repos/o/r/pulls/7":
            return 200, {"number": 7, "head": {"sha": HEAD}}
        if method == "GET" and path == "/repos/o/r/issues/7/comments":
            size, page = int(query["per_page"][0]), int(query["page"][0])
            return 200, self.comments[(page - 1) * size: page * size]
        if method == "POST" and path == "/repos/o/r/issues/7/comments":
            self.comments.append({"id": 1000 + len(self.comments), "body": body["body"]})
            return 201, self.comments[-1]
        if method == "PATCH" and path.startswith("/repos/o/r/issues/comments/"):
            wanted = int(path.rsplit("/", 1)[1])
            for comment in self.comments:
                if comment["id"] == wanted:
                    comment["body"] = body["body"]
                    return 200, comment
        return 404, {"message": "Not Found"}


@pytest.fixture
def github():
    fakes = []

    def start(comments=()):
        fake = FakeGitHub(comments)

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                fake.tokens.add(self.headers.get("Authorization"))
                status, payload = fake.handle(self.command, self.path, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = _serve

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        fake.url = f"http://127.0.0.1:{server.server_port}"
        fakes.append(server)
        return fake

    yield start
    for server in fakes:
        server.shutdown()
        server.server_close()


def post(fake, tmp_path, pr="7", body="### Benchmarks\n| a | b |\n", head=HEAD, token="t0ken"):
    (tmp_path / "pr_number").write_text(pr)
    (tmp_path / "report.md").write_text(body)
    env = {"GITHUB_TOKEN": token, "GITHUB_API_URL": fake.url, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--repo", "o/r", "--head-sha", head,
         "--pr-file", str(tmp_path / "pr_number"), "--body", str(tmp_path / "report.md")],
        env=env, capture_output=True, text=True, timeout=60,
    )


def test_creates_the_comment_with_the_marker_when_there_is_none(github, tmp_path):
    fake = github([{"id": 1, "body": "LGTM"}])
    done = post(fake, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "created" in done.stdout
    assert fake.comments[-1]["body"].startswith(MARKER + "\n### Benchmarks")
    assert fake.tokens == {"Bearer t0ken"}


def test_replaces_the_marked_comment_found_on_a_later_page(github, tmp_path):
    others = [{"id": i, "body": f"comment {i}"} for i in range(1, 101)]
    fake = github([*others, {"id": 500, "body": f"{MARKER}\nold report"}])
    done = post(fake, tmp_path, body="new report")
    assert done.returncode == 0, done.stderr
    assert "updated" in done.stdout
    assert len(fake.comments) == 101
    assert fake.comments[-1]["body"] == f"{MARKER}\nnew report"
    assert ("PATCH", "/repos/o/r/issues/comments/500") in fake.calls


def test_rejects_a_pr_number_that_is_not_a_number(github, tmp_path):
    fake = github()
    done = post(fake, tmp_path, pr="7; rm -rf /")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "expected a pull-request number" in done.stderr
    assert fake.calls == []


def test_rejects_an_artifact_whose_pr_is_not_the_tested_commit(github, tmp_path):
    fake = github()
    done = post(fake, tmp_path, head="b" * 40)
    assert done.returncode == 2 and "does not belong to this run" in done.stderr
    assert [method for method, _ in fake.calls] == ["GET"]


def test_cuts_a_report_over_githubs_limit(github, tmp_path):
    fake = github()
    assert post(fake, tmp_path, body="x" * 100_000).returncode == 0
    body = fake.comments[-1]["body"]
    assert len(body) <= 65_536 and body.endswith("the full report is in the run's artifact)")


def test_without_a_token_it_says_so(github, tmp_path):
    done = post(github(), tmp_path, token="")
    assert done.returncode == 2 and "GITHUB_TOKEN is not set" in done.stderr
