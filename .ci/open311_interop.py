#!/usr/bin/env python3
"""The 12345 hotline's Open311 GeoReport v2 read by `georeport`, a published Open311 client, on
a fresh demo, in JSON and in XML: the service list, a service's definition, the public list of
requests and one request. The client cannot post, so a request is posted as the standard
says (a form with `api_key`), the key made by `yiwang open311-key add`. Nothing of ours is used
on the client side.

Run by .ci/run: `python3 .ci/open311_interop.py target/debug/yiwang` with georeport installed.
"""

import os
import subprocess
import sys
import tempfile

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_check as bc  # noqa: E402  (checks, free ports, waiting for the demo)

from georeport import GeoReport  # noqa: E402

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/debug/yiwang")
check = bc.check


def main():
    data = tempfile.mkdtemp(prefix="yiwang-open311-")
    port = bc.free_port()
    site = f"http://127.0.0.1:{port}"
    app = subprocess.Popen([BINARY, "demo", "--data", data, "--listen", f"127.0.0.1:{port}"],
                           env=dict(os.environ, YIWANG_LOG="warn"), stdout=subprocess.DEVNULL)
    try:
        started = bc.wait_http(f"{site}/healthz")
        check(started, "the demo starts")
        if not started:
            return
        made = subprocess.run([BINARY, "open311-key", "add", "--name", "CI city app",
                               "--database-url", f"sqlite://{data}/yiwang.db"], capture_output=True, text=True)
        check(made.returncode == 0, f"a key is made from the command line {made.stderr.strip()}")
        key = made.stdout.strip()
        root = f"{site}/open311/v2"
        for fmt in ["json", "xml"]:
            client = GeoReport(root, output_format=fmt)
            services = client.get_service_list()
            codes = [s["service_code"] for s in services]
            check("assistance" in codes and len(codes) == 16, f"{fmt}: georeport reads the service list ({len(codes)})")
            definition = client.get_service_definition("assistance")
            attributes = definition["attributes"]
            if fmt == "xml":
                attributes = attributes["attribute"]
            division = [a for a in attributes if a["code"] == "division"]
            check(bool(division) and str(division[0]["required"]).lower() == "true",
                  f"{fmt}: the definition asks for the county, required")
        form = {"api_key": key, "service_code": "assistance", "lat": "29.65", "long": "91.13",
                "attribute[division]": "540102", "attribute[kind]": "help", "first_name": "Dolma",
                "phone": "13800000011", "description": "An old man living alone needs help at home"}
        refused = requests.post(f"{root}/requests.json", data=dict(form, api_key="wrong"))
        check(refused.status_code == 403 and refused.json()[0]["code"] == 403,
              f"a wrong key is refused with the standard's error array ({refused.status_code})")
        posted = requests.post(f"{root}/requests.json", data=form)
        check(posted.status_code == 201, f"a request is posted with the key ({posted.status_code} {posted.text[:200]})")
        if posted.status_code != 201:
            return
        number = posted.json()[0]["service_request_id"]
        for fmt in ["json", "xml"]:
            client = GeoReport(root, output_format=fmt)
            listed = client.get_service_requests(status="open")
            if isinstance(listed, dict):
                listed = [listed]
            check(any(r["service_request_id"] == number for r in listed), f"{fmt}: the public list has it")
            one = client.get_service_request(number)
            check(one["service_request_id"] == number and one["status"] == "open", f"{fmt}: one request by its id")
            check("13800000011" not in str(one), f"{fmt}: the public never sees who raised it")
        wide = requests.get(f"{root}/requests.json", params={"start_date": "2020-01-01T00:00:00Z", "end_date": "2021-01-01T00:00:00Z"})
        check(wide.status_code == 400, "a span over 90 days is refused")
    finally:
        app.terminate()
        app.wait(10)


if __name__ == "__main__":
    main()
    print(f"open311 interop: {bc.passed} passed, {bc.failed} failed")
    sys.exit(1 if bc.failed else 0)
