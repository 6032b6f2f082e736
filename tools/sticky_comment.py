#!/usr/bin/env python3
"""Post a report as one sticky pull-request comment: replace the comment holding MARKER, or add it.

    tools/sticky_comment.py --repo OWNER/NAME --head-sha SHA --pr-file DIR/pr_number \
        --body DIR/report.md

The token comes from GITHUB_TOKEN; the API root from GITHUB_API_URL (default
https://api.github.com). The report and the PR number come from an artifact of an untrusted
run: the number must be digits only and name a pull request whose head is --head-sha (the
commit the workflow run tested, from the trusted event), the body is posted as text (GitHub
renders it; nothing here evaluates it) and cut to GitHub's comment limit. Exit codes: 0 posted,
2 bad input or an API error (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

MARKER = "<!-- ttsbench:pr-benchmarks -->"
MAX_BODY = 65_000  # GitHub refuses comment bodies over 65,536 characters
PAGE = 100


class InputError(Exception):
    """Bad input or a failed API call, reported as one line."""


def read_pr_number(path: Path) -> int:
    text = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
    if not re.fullmatch(r"[1-9][0-9]{0,9}", text):
        raise InputError(f"{path}: expected a pull-request number, got {text[:40]!r}")
    return int(text)


def compose(body: str, marker: str) -> str:
    """The marker line, then the body, cut with a note when too long."""
    text = body.replace(marker, "")
    limit = MAX_BODY - len(marker) - 100
    if len(text) > limit:
        text = text[:limit] + "\n\n... (report truncated; the full report is in the run's artifact)"
    return f"{marker}\n{text}"


class GitHub:
    """The three REST calls a sticky comment needs."""

    def __init__(self, api: str, repo: str, token: str):
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
            raise InputError(f"--repo must be OWNER/NAME, got {repo!r}")
        self.base = f"{api.rstrip('/')}/repos/{repo}"
        self.token = token

    def request(self, method: str, path: str, payload: dict | None = None):
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise InputError(f"{method} {path}: HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise InputError(f"{method} {path}: {exc.reason}") from None

    def find_comment(self, pr: int, marker: str) -> int | None:
        page = 1
        while True:
            comments = self.request("GET", f"/issues/{pr}/comments?per_page={PAGE}&page={page}")
            for comment in comments:
                if marker in (comment.get("body") or ""):
                    return comment["id"]
            if len(comments) < PAGE:
                return None
            page += 1

    def check_head(self, pr: int, head_sha: str) -> None:
        head = (self.request("GET", f"/pulls/{pr}").get("head") or {}).get("sha")
        if head != head_sha:
            raise InputError(
                f"pull request #{pr} has head {str(head)[:12]}, not the tested {head_sha[:12]}: "
                "the artifact's PR number does not belong to this run"
            )

    def post_sticky(self, pr: int, body: str, marker: str) -> str:
        existing = self.find_comment(pr, marker)
        if existing is None:
            self.request("POST", f"/issues/{pr}/comments", {"body": body})
            return "created"
        self.request("PATCH", f"/issues/comments/{existing}", {"body": body})
        return "updated"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True, help="OWNER/NAME")
    parser.add_argument("--head-sha", required=True, help="head commit of the tested run")
    parser.add_argument("--pr-file", required=True, type=Path, help="file holding the PR number")
    parser.add_argument("--body", required=True, type=Path, help="markdown report")
    parser.add_argument("--marker", default=MARKER, help="line that identifies the comment")
    args = parser.parse_args(argv)
    token = os.environ.get("GITHUB_TOKEN", "")
    try:
        if not token:
            raise InputError("GITHUB_TOKEN is not set; the workflow passes it in the environment")
        pr = read_pr_number(args.pr_file)
        if not args.body.is_file():
            raise InputError(f"{args.body}: no report; did the benchmark run upload one?")
        body = compose(args.body.read_text(encoding="utf-8", errors="replace"), args.marker)
        if not re.fullmatch(r"[0-9a-f]{40}", args.head_sha):
            raise InputError(f"--head-sha must be a full commit hash, got {args.head_sha!r}")
        api = os.environ.get("GITHUB_API_URL", "https://api.github.com")
        github = GitHub(api, args.repo, token)
        github.check_head(pr, args.head_sha)
        action = github.post_sticky(pr, body, args.marker)
    except InputError as exc:
        print(f"sticky_comment: error: {exc}", file=sys.stderr)
        return 2
    print(f"sticky_comment: {action} the comment on #{pr}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
