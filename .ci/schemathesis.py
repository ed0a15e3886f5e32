#!/usr/bin/env python3
"""Runs schemathesis (the property-based API tester) against `/api/openapi.json` on a fresh
demo, three times: signed out, as the signed-in demo citizen (session cookie), and as a
department system with a client-credentials token granted every registry, the certificates,
the cases and the exchange. Any 5xx, any status the document does not list for the operation, any content
type or body that does not match it fails the run. The counts are printed per run.

Run by .ci/run: `python3 .ci/schemathesis.py target/debug/yiwang PATH/TO/schemathesis`.
"""

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_check as bc  # noqa: E402  (free ports, waiting for the demo)

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/debug/yiwang")
SCHEMATHESIS = sys.argv[2] if len(sys.argv) > 2 else "schemathesis"
ENV = dict(os.environ, YIWANG_LOG="warn")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "25")


def cli(db, *args):
    out = subprocess.run([BINARY, *args, "--database-url", db], capture_output=True, text=True, env=ENV)
    if out.returncode != 0:
        raise RuntimeError(f"yiwang {' '.join(args)}: {out.stdout}{out.stderr}")
    return out.stdout


def citizen_cookie(site, password):
    """Signs the demo citizen in as a browser would; the session cookie."""
    body = urllib.parse.urlencode({"account": "13908900001", "password": password, "next": "/me"}).encode()
    req = urllib.request.Request(f"{site}/signin", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(req, timeout=10)
    except urllib.error.HTTPError as e:
        for c in e.headers.get_all("Set-Cookie") or []:
            if c.startswith("yw_session="):
                return c.split(";", 1)[0]
    raise RuntimeError("the demo citizen could not sign in")


def system_token(site, db):
    """A department system with every grant the API knows; its client-credentials token."""
    out = cli(db, "client", "add", "schemathesis-system", "--name-zh", "接口测试系统", "--scopes",
              "population entities certs cases", "--grants", "client_credentials")
    secret = out.rsplit("shown once: ", 1)[-1].strip()
    for registry in ["population", "entities", "certs", "cases", "exchange"]:
        cli(db, "registry", "grant", "--client", "schemathesis-system", "--registry", registry,
            "--department", "540102-civil-affairs")
    basic = base64.b64encode(f"schemathesis-system:{secret}".encode()).decode()
    req = urllib.request.Request(f"{site}/oauth2/token",
                                 data=b"grant_type=client_credentials&scope=population+entities+certs+cases",
                                 headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["access_token"]


def start(site, headers):
    """One schemathesis process. Each runs one worker (CPython 3.11's ast module is not safe for
    two threads, cpython#106905); the three principals run side by side as separate processes."""
    args = [SCHEMATHESIS, "run", f"{site}/api/openapi.json", "--checks", CHECKS, "--max-examples", EXAMPLES,
            "--phases", "examples,coverage,fuzzing", "--workers", "1", "--seed", "2026"]
    for h in headers:
        args += ["-H", h]
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # a pipe could fill and stall it
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, NO_COLOR="1"))
    return proc, log


def finish(name, started):
    proc, log = started
    proc.wait()
    log.seek(0)
    text = log.read()
    summary = [line for line in text.splitlines() if re.search(r"generated|passed|failures?|errors?|Tested:", line)]
    print(f"schemathesis, {name}: " + " | ".join(s.strip() for s in summary[-3:]))
    if proc.returncode != 0:
        print(text[-6000:])
    return proc.returncode == 0


def main():
    data = tempfile.mkdtemp(prefix="yiwang-schemathesis-")
    port = bc.free_port()
    site = f"http://127.0.0.1:{port}"
    app = subprocess.Popen([BINARY, "demo", "--data", data, "--listen", f"127.0.0.1:{port}"], env=ENV,
                           stdout=subprocess.DEVNULL)
    ok = False
    try:
        if not bc.wait_http(f"{site}/healthz"):
            print("the demo did not start")
            return 1
        password = open(os.path.join(data, "admin-password"), encoding="utf-8").read().strip()
        db = f"sqlite://{data}/yiwang.db"
        cookie = citizen_cookie(site, password)
        token = system_token(site, db)
        # The first read of the catalogue indexes its ~9,000 items and their guides; on this
        # debug build that takes ~11 s, longer than a generated request may wait. Read it once
        # before the three runs start, as a real deployment's first visitor would.
        with urllib.request.urlopen(f"{site}/api/v1/items?limit=1", timeout=300) as r:
            r.read()
        runs = [
            ("signed out", []),
            ("a signed-in citizen", [f"Cookie: {cookie}", "Sec-Fetch-Site: same-origin"]),
            ("a department system", [f"Authorization: Bearer {token}"]),
        ]
        procs = [(name, start(site, headers)) for name, headers in runs]
        results = [finish(name, proc) for name, proc in procs]
        ok = all(results)
        passed = sum(results)
        print(f"schemathesis: {passed} passed, {len(results) - passed} failed")
    finally:
        app.terminate()
        app.wait(10)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
