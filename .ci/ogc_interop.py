#!/usr/bin/env python3
"""The geography registry read by OWSLib, the OGC client library QGIS plug-ins and scripts use,
on a fresh demo: it connects to `/ogc/` (with the trailing slash it always adds), reads the
conformance classes and the service description, lists the layers, pages through features in
a box by limit, reads one feature, and asks for CGCS2000 (EPSG:4490). Nothing of ours is used
on the client side.

Run by .ci/run: `python3 .ci/ogc_interop.py target/debug/yiwang` with OWSLib installed.
"""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_check as bc  # noqa: E402  (checks, free ports, waiting for the demo)

from owslib.ogcapi.features import Features  # noqa: E402

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/debug/yiwang")
check = bc.check
CGCS2000 = "http://www.opengis.net/def/crs/EPSG/0/4490"


def main():
    data = tempfile.mkdtemp(prefix="yiwang-ogc-")
    port = bc.free_port()
    site = f"http://127.0.0.1:{port}"
    app = subprocess.Popen([BINARY, "demo", "--data", data, "--listen", f"127.0.0.1:{port}"],
                           env=dict(os.environ, YIWANG_LOG="warn"), stdout=subprocess.DEVNULL)
    try:
        started = bc.wait_http(f"{site}/healthz")
        check(started, "the demo starts")
        if not started:
            return
        w = Features(f"{site}/ogc/")
        check(bool(w.links), "OWSLib connects to /ogc/ and reads the landing page")
        classes = w.conformance().get("conformsTo", [])
        check(any(c.endswith("/conf/core") for c in classes), "the conformance classes include Part 1 core")
        check(any(c.endswith("ogcapi-features-2/1.0/conf/crs") for c in classes), "and Part 2 (CRS by reference)")
        api = w.api()
        check("paths" in api or hasattr(api, "paths"), "the service description (service-desc) is an OpenAPI document")
        ids = [c["id"] for c in w.collections()["collections"]]
        check("land-parcels" in ids, f"the layers are listed ({len(ids)})")
        parcels = w.collection("land-parcels")
        check(CGCS2000 in parcels.get("crs", []), "a layer offers CGCS2000 beside CRS84")
        page = w.collection_items("land-parcels", bbox=[90.0, 29.0, 92.5, 30.5], limit=20)
        feats = page.get("features", [])
        check(0 < len(feats) <= 20, f"features in a box around Lhasa, twenty at most ({len(feats)})")
        inside = all(90.0 <= f["bbox"][2] and f["bbox"][0] <= 92.5 and 29.0 <= f["bbox"][3] and f["bbox"][1] <= 30.5 for f in feats)
        check(inside, "each of them touches the box")
        nxt = [link for link in page.get("links", []) if link.get("rel") == "next"]
        check(bool(nxt), "a next link leads on")
        one = w.collection_item("land-parcels", str(feats[0]["id"]))
        check(one.get("id") == feats[0]["id"], "one feature by its id")
        swapped = w.collection_items("land-parcels", bbox=[90.0, 29.0, 92.5, 30.5], limit=20, crs=CGCS2000)
        first = swapped["features"][0]
        check(first["id"] == feats[0]["id"] and first["bbox"][0] == feats[0]["bbox"][1],
              "in CGCS2000 (crs=EPSG:4490) latitude comes first")
        q = w.collection_queryables("land-parcels")
        check("area_m2" in q.get("properties", {}), "the layer's queryables (Part 3)")
        filtered = w.collection_items("land-parcels", filter="use = '耕地' AND area_m2 > 3000", limit=50)
        fs = filtered.get("features", [])
        check(bool(fs) and all(f["properties"]["use"] == "耕地" and f["properties"]["area_m2"] > 3000 for f in fs),
              f"a CQL2 filter chooses the features ({len(fs)})")
        ordered = w.collection_items("land-parcels", sortby=("area_m2", "desc"), limit=10)["features"]
        areas = [f["properties"]["area_m2"] for f in ordered]
        check(len(areas) == 10 and areas == sorted(areas, reverse=True), f"sorted by a queryable, descending ({areas[:3]}…)")
        try:
            w.collection_items("land-parcels", datetime_="2026-01-01")
            check(False, "an unsupported parameter is refused, not ignored")
        except Exception as e:  # OWSLib raises on a 400
            check("400" in str(e) or "Bad Request" in str(e), f"an unsupported parameter is refused, not ignored ({e})")
    finally:
        app.terminate()
        app.wait(10)


if __name__ == "__main__":
    main()
    print(f"ogc interop: {bc.passed} passed, {bc.failed} failed")
    sys.exit(1 if bc.failed else 0)
