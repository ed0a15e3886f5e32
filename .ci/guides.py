#!/usr/bin/env python3
"""Follows the first-hour guides of docs/guides that a browser does not: the integrator's
(register a system, grant it, get a token with client credentials, read the OpenAPI document,
call an API with a purpose) on the demo, the data steward's bulk changes from the command line
(export the catalogue as CSV, a file with mistakes refused and naming them, the corrected file
imported into review or published), and the operator's (a PostgreSQL database, a
configuration file, migrations, serving, health and metrics, backup, restore, audit check, a
clean stop). Each step is the command or request the guide shows.

Run by .ci/run: `python3 .ci/guides.py target/debug/yiwang postgres://postgres@127.0.0.1:5432/test`.
"""

import base64
import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_check as bc  # noqa: E402  (the checks and the helpers)

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/debug/yiwang")
PG_URL = sys.argv[2] if len(sys.argv) > 2 else "postgres://postgres@127.0.0.1:5432/test"
check = bc.check
ENV = dict(os.environ, YIWANG_LOG="warn")


def run(*args, config=None):
    cmd = [BINARY] + (["--config", config] if config else []) + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    return out.returncode, out.stdout + out.stderr


def get(url, token=None):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


@contextlib.contextmanager
def demo(name):
    """A `yiwang demo` on a fresh data directory: its address, database URL and directory."""
    data = tempfile.mkdtemp(prefix=f"yiwang-{name}-")
    port = bc.free_port()
    app = subprocess.Popen([BINARY, "demo", "--data", data, "--listen", f"127.0.0.1:{port}"], env=ENV, stdout=subprocess.DEVNULL)
    site = f"http://127.0.0.1:{port}"
    try:
        check(bc.wait_http(f"{site}/healthz"), "the demo starts")
        yield site, f"sqlite://{data}/yiwang.db", data
    finally:
        app.terminate()
        app.wait(10)


def system_token(site, db, client, name, scope, steps):
    """A department system of Chengguan civil affairs, as the guides set one up: registered
    (`yiwang client add`), granted `scope` (`yiwang registry grant`), and its access token by
    client credentials; each step checked under its guide's words."""
    code, out = run("client", "add", client, "--name-zh", name, "--scopes", scope,
                    "--grants", "client_credentials", "--database-url", db)
    check(code == 0 and "shown once: " in out, steps[0])
    secret = out.rsplit("shown once: ", 1)[-1].strip()
    code, out = run("registry", "grant", "--client", client, "--registry", scope,
                    "--department", "540102-civil-affairs", "--database-url", db)
    check(code == 0, f"{steps[1]} ({out.strip()})")
    basic = base64.b64encode(f"{client}:{secret}".encode()).decode()
    req = urllib.request.Request(f"{site}/oauth2/token", data=f"grant_type=client_credentials&scope={scope}".encode(),
                                 headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=10) as r:
        token = json.load(r).get("access_token", "")
    check(bool(token), steps[2])
    return token


def integrator():
    print("the integrator's guide (docs/guides/integrator.md), on the demo")
    with demo("guide") as (site, db, _):
        token = system_token(site, db, "minzheng-xitong", "民政业务系统", "certs", [
            "step 1: `yiwang client add` registers the system and shows its secret once",
            "step 2: `yiwang registry grant --registry certs` lets it read certificates",
            "step 3: client credentials give an access token"])
        status, body = get(f"{site}/api/openapi.json")
        paths = json.loads(body).get("paths", {}) if status == 200 else {}
        check("/api/v1/certs/holders/{holder_code}" in paths, "step 4: the OpenAPI document describes the certificate API")
        holder = "540102199001011233"
        status, body = get(f"{site}/api/v1/certs/holders/{holder}?purpose=" + urllib.parse.quote("最低生活保障审核"), token)
        items = json.loads(body).get("items", []) if status == 200 else []
        check(status == 200 and items and all(c["verified"] for c in items), f"step 5: the holder's certificates, verified ({status})")
        status, body = get(f"{site}/api/v1/certs/holders/{holder}", token)
        check(status == 422 and "purpose" in body, "step 6: a call without a purpose is refused and says why")
        status, _ = get(f"{site}/api/v1/certs/holders/{holder}?purpose=x")
        check(status == 401, "step 6: a call without a token is refused (401)")


def steward():
    print("the data steward's guide (docs/guides/data-steward.md), step 2: bulk changes from the command line")
    with demo("steward") as (site, db, data):
        before = os.path.join(data, "catalogue.csv")
        code, out = run("catalog", "export", "--format", "csv", "--out", before, "--database-url", db)
        check(code == 0 and "items written" in out, f"`yiwang catalog export --format csv` writes the catalogue ({out.strip()})")
        with open(before, encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
        head = rows[0]
        days, source = head.index("promised_days"), head.index("material_source")
        item = rows[1]
        code_col = head.index("code")
        published = json.loads(get(f"{site}/api/v1/items/{item[code_col]}")[1])["promised_days"]
        new_days = "1" if published != 1 else "2"

        def write(name, changes):
            edited = [list(r) for r in rows]
            for (r, c), v in changes.items():
                edited[r][c] = v
            path = os.path.join(data, name)
            with open(path, "w", encoding="utf-8", newline="") as f:
                csv.writer(f, lineterminator="\n").writerows(edited)
            return path

        material = next(i for i, r in enumerate(rows) if r[0] == "material")
        bad = write("bad.csv", {(1, days): "三天", (material, source): "somewhere:else"})
        code, out = run("catalog", "import", bad, "--database-url", db)
        check(code != 0 and "line 2: promised_days" in out and ": material_source:" in out and "nothing was imported" in out,
              f"a file with two bad cells is refused, each named with its line and field ({out.strip().splitlines()[:3]})")
        again = os.path.join(data, "again.csv")
        run("catalog", "export", "--format", "csv", "--out", again, "--database-url", db)
        with open(before, "rb") as a, open(again, "rb") as b:
            check(a.read() == b.read(), "the refused file changed nothing")
        good = write("good.csv", {(1, days): new_days})
        code, out = run("catalog", "import", good, "--database-url", db)
        check(code == 0 and "1 new version (in review)" in out, f"the corrected file makes one new version, in review ({out.strip()})")
        status, body = get(f"{site}/api/v1/items/{item[code_col]}")
        check(status == 200 and json.loads(body)["promised_days"] == published,
              "until it is reviewed, the published item keeps its time limit")
        code, out = run("catalog", "import", good, "--publish", "--database-url", db)
        status, body = get(f"{site}/api/v1/items/{item[code_col]}")
        check(code == 0 and json.loads(body)["promised_days"] == int(new_days),
              f"with --publish (a file reviewed outside the platform) it is published at once ({out.strip()})")

        print("the data steward's guide, step 5: the department's system uploads a table's new version")
        token = system_token(site, db, "minzheng-yanglao", "民政养老服务系统", "exchange", [
            "`yiwang client add` registers the department's system",
            "`yiwang registry grant --registry exchange` lets it act for civil affairs",
            "client credentials give it an access token"])
        versions = f"{site}/api/v1/exchange/resources/301003~000001/versions"

        def upload(text):
            req = urllib.request.Request(versions + "?note=December", data=text.encode("utf-8"), method="POST",
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv",
                                                  "Accept-Language": "en"})
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    return r.status, r.read().decode("utf-8")
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode("utf-8")

        head = "licence,name,division,beds\n"
        status, body = upload(head + "YL540102001,城关区社会福利院,540102,180\nYL540102004,新建养老院,540102,many\n")
        check(status == 422 and "Line 3" in body and "beds" in body,
              f"a file with a bad cell is refused, naming its line and column ({status} {body[:300]})")
        status, body = upload(head + "YL540102001,城关区社会福利院,540102,200\nYL540102004,新建养老院,540102,80\n")
        check(status == 201 and json.loads(body).get("version") == 2, f"the corrected file is kept as version 2 ({status})")
        status, body = get(versions, token)
        listed = json.loads(body) if status == 200 else []
        check(len(listed) == 2 and listed[0]["records"] == 2 and listed[0]["note"] == "December",
              f"both versions are listed, newest first ({status})")


def operator():
    print("the operator's guide (docs/guides/operator.md), on PostgreSQL")
    base = PG_URL.rsplit("/", 1)[0]
    name, copy = f"yiwang_guide_{uuid.uuid4().hex[:10]}", f"yiwang_guide_{uuid.uuid4().hex[:10]}"
    psql = lambda sql: subprocess.run(["psql", PG_URL, "-qAtc", sql], capture_output=True, text=True)
    psql(f"CREATE DATABASE {name}")
    psql(f"CREATE DATABASE {copy}")
    work = tempfile.mkdtemp(prefix="yiwang-operator-")
    port = bc.free_port()
    config = os.path.join(work, "yiwang.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(f'database_url = "{base}/{name}"\nlisten = "127.0.0.1:{port}"\ndata_dir = "{work}"\n'
                f'master_key = "{uuid.uuid4().hex}"\nadmin_password = "{uuid.uuid4().hex}"\n')
    server = None
    try:
        code, out = run("migrate", config=config)
        check(code == 0 and "migration" in out, f"step 2: `yiwang migrate` brings the database up to date ({out.strip().splitlines()[-1]})")
        code, out = run("migrate", config=config)
        check(code == 0, "step 2: migrating again changes nothing")
        server = subprocess.Popen([BINARY, "--config", config, "serve"], env=ENV, stdout=subprocess.DEVNULL)
        site = f"http://127.0.0.1:{port}"
        check(bc.wait_http(f"{site}/readyz"), "step 3: `yiwang serve` is ready (/readyz)")
        status, body = get(f"{site}/metrics")
        check(status == 200 and "# TYPE" in body, "step 4: /metrics answers in the Prometheus format")
        dump = os.path.join(work, "yiwang.dump")
        code, out = run("backup", "--out", dump, config=config)
        check(code == 0 and "backup written" in out, f"step 5: `yiwang backup` while serving ({out.strip()})")
        code, out = run("restore", dump, "--database-url", f"{base}/{copy}")
        check(code == 0 and "audit chain intact" in out, f"step 6: `yiwang restore` into an empty database ({out.strip()})")
        code, out = run("audit", "verify", "--database-url", f"{base}/{copy}")
        check(code == 0 and "intact" in out, "step 6: the restored audit chain verifies")
        server.send_signal(signal.SIGTERM)
        check(server.wait(15) == 0, "step 7: the server stops cleanly on SIGTERM")
        server = None
    finally:
        if server:
            server.kill()
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")


def main():
    try:
        integrator()
        steward()
        operator()
    finally:
        print(f"guides: {bc.passed} passed, {bc.failed} failed")
    if bc.failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
