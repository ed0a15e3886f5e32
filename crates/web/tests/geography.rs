//! The geography registry through OGC API – Features, on every backend: what a GIS client
//! sees at each endpoint, paging by `next` links, bad parameters refused with a problem
//! document, and layers that are not public kept from the public.

mod common;

use axum::http::StatusCode;
use common::TestApp;

db::on_each_backend! {
    async fn ogc_api_features_serves_layers_with_bbox_limit_and_paging(backend: Backend) {
        let Some(app) = TestApp::of(backend, None).await else {
            return;
        };
        registry::bulk::load_features(&app.db.db, 3_000, 5, |_| {})
            .await
            .expect("features");
        let landing = app.get("/ogc").await;
        assert_eq!(landing.status, StatusCode::OK);
        let rels: Vec<String> = landing.json()["links"]
            .as_array()
            .expect("links")
            .iter()
            .map(|l| l["rel"].as_str().unwrap_or("").to_owned())
            .collect();
        assert!(rels.contains(&"conformance".to_owned()) && rels.contains(&"data".to_owned()));
        let conf = app.get("/ogc/conformance").await.json();
        assert!(
            conf["conformsTo"]
                .to_string()
                .contains("ogcapi-features-1/1.0/conf/geojson")
        );

        let cols = app.get("/ogc/collections?lang=en").await;
        assert_eq!(cols.status, StatusCode::OK);
        let ids: Vec<String> = cols.json()["collections"]
            .as_array()
            .expect("collections")
            .iter()
            .map(|c| c["id"].as_str().unwrap_or("").to_owned())
            .collect();
        assert!(ids.contains(&"land-parcels".to_owned()), "{ids:?}");
        assert!(!ids.contains(&"pipelines".to_owned()), "not public");
        assert_eq!(
            app.get("/ogc/collections/pipelines/items").await.status,
            StatusCode::NOT_FOUND
        );
        let parcels = app.get("/ogc/collections/land-parcels").await.json();
        let extent = parcels["extent"]["spatial"]["bbox"][0]
            .as_array()
            .expect("extent")
            .clone();
        assert_eq!(extent.len(), 4);

        // Around Lhasa, ten at a time, following next links to the end.
        let bbox = "90.0,29.0,92.5,30.5";
        let mut url = format!("/ogc/collections/land-parcels/items?bbox={bbox}&limit=10");
        let mut seen = std::collections::HashSet::new();
        let mut pages = 0;
        loop {
            let page = app.get(&url).await;
            page.expect_status(StatusCode::OK);
            assert_eq!(page.header("content-type"), "application/geo+json");
            let body = page.json();
            assert_eq!(body["type"], "FeatureCollection");
            let features = body["features"].as_array().expect("features");
            assert!(features.len() <= 10);
            assert_eq!(body["numberReturned"].as_u64(), Some(features.len() as u64));
            for f in features {
                assert_eq!(f["type"], "Feature");
                let b = f["bbox"].as_array().expect("bbox");
                let b: Vec<f64> = b.iter().map(|v| v.as_f64().expect("n")).collect();
                assert!(
                    b[0] <= 92.5 && b[2] >= 90.0 && b[1] <= 30.5 && b[3] >= 29.0,
                    "{b:?}"
                );
                assert!(
                    seen.insert(f["id"].as_i64().expect("id")),
                    "no feature twice"
                );
            }
            pages += 1;
            let next = body["links"]
                .as_array()
                .expect("links")
                .iter()
                .find(|l| l["rel"] == "next")
                .map(|l| l["href"].as_str().expect("href").to_owned());
            match next {
                Some(href) => {
                    let path = href
                        .split_once("/ogc/")
                        .map(|(_, p)| format!("/ogc/{p}"))
                        .expect("ours");
                    url = path;
                }
                None => break,
            }
            assert!(pages < 200, "paging ends");
        }
        assert!(
            seen.len() > 10,
            "{} parcels near Lhasa over {pages} pages",
            seen.len()
        );

        // One feature, and the same by its link.
        let any = *seen.iter().next().expect("one");
        let one = app
            .get(&format!("/ogc/collections/land-parcels/items/{any}"))
            .await;
        assert_eq!(one.status, StatusCode::OK);
        assert_eq!(one.json()["id"].as_i64(), Some(any));
        assert_eq!(
            app.get("/ogc/collections/land-parcels/items/999999999")
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Bad parameters: a problem document in the asker's language, nothing else.
        for bad in [
            "bbox=91,29,90",
            "bbox=a,b,c,d",
            "bbox=92,29,91,30",
            "limit=0",
            "limit=100000",
            "point=29.6,91.1",
            "point=91.1,29.6&distance=-5",
        ] {
            let r = app
                .get(&format!(
                    "/ogc/collections/land-parcels/items?{bad}&lang=en"
                ))
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
            assert_eq!(r.header("content-type"), "application/problem+json");
        }
        let swapped = app
            .get("/ogc/collections/land-parcels/items?point=29.6,91.1&lang=en")
            .await;
        assert!(
            swapped.json()["detail"]
                .as_str()
                .expect("detail")
                .contains("longitude first")
        );
        app.close().await;
    }
}

db::on_each_backend! {
    /// What GIS clients found wanting: a trailing slash, JSON errors, the service description,
    /// parameters refused rather than ignored, CGCS2000 beside CRS84, and conformance classes
    /// that say exactly what is implemented.
    async fn ogc_api_features_answers_clients_as_the_standard_asks(backend: Backend) {
        let Some(app) = TestApp::of(backend, None).await else {
            return;
        };
        registry::bulk::load_features(&app.db.db, 200, 5, |_| {})
            .await
            .expect("features");
        the_landing_page_describes_the_service_and_its_conformance(&app).await;
        errors_are_json_problems_and_unknown_parameters_are_refused(&app).await;
        let (first, lon, lat) = cgcs2000_is_served_beside_crs84(&app).await;
        queryables_and_cql2_filters_in_text_and_json(&app, &first, lon, lat).await;
        sorting_by_a_queryable_pages_in_order(&app).await;
        every_resource_is_a_page_at_its_own_address(&app, &first).await;
        app.close().await;
    }
}

/// The landing page (with or without its trailing slash), the service description and the
/// conformance classes.
async fn the_landing_page_describes_the_service_and_its_conformance(app: &TestApp) {
    let slash = app.get("/ogc/").await;
    assert_eq!(slash.status, StatusCode::OK, "OWSLib asks for /ogc/");
    let links = slash.json()["links"].clone();
    let rel = |r: &str| {
        links
            .as_array()
            .expect("links")
            .iter()
            .find(|l| l["rel"] == r)
            .cloned()
    };
    let desc = rel("service-desc").expect("service-desc");
    assert!(rel("service-doc").is_some());
    assert!(desc["type"].as_str().unwrap_or("").contains("openapi"));
    let api = app.get("/ogc/api").await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.json()["openapi"], "3.0.3");
    assert!(
        api.json()["paths"]
            .get("/collections/{collectionId}/items")
            .is_some()
    );
    assert_eq!(app.get("/ogc/collections/").await.status, StatusCode::OK);
    let conf = app.get("/ogc/conformance").await.json();
    let classes: Vec<&str> = conf["conformsTo"]
        .as_array()
        .expect("classes")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert!(
        classes
            .iter()
            .any(|c| c.ends_with("ogcapi-features-2/1.0/conf/crs"))
    );
    assert!(
        classes
            .iter()
            .any(|c| c.ends_with("cql2/1.0/conf/basic-cql2"))
    );
    assert!(!classes.iter().any(|c| c.contains("ogcapi-features-4")));
}

/// JSON errors, never a page; parameters refused rather than ignored.
async fn errors_are_json_problems_and_unknown_parameters_are_refused(app: &TestApp) {
    // JSON errors, never a page.
    let missing = app.get("/ogc/nothing-here?lang=en").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header("content-type"), "application/problem+json");
    for unsupported in [
        "sortby=colour",
        "sortby=a,b,c,d",
        "filter=colour%3D%27x%27",
        "filter=use%20%3D",
        "filter-lang=cql3",
        "datetime=2026-01-01",
        "properties=name",
        "crs=EPSG:3857",
        "bbox-crs=EPSG:3857",
        "f=xml",
        "foo=1",
    ] {
        let r = app
            .get(&format!(
                "/ogc/collections/land-parcels/items?{unsupported}&lang=en"
            ))
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{unsupported}: {}",
            r.body
        );
        assert_eq!(r.header("content-type"), "application/problem+json");
    }
    assert_eq!(
        app.get("/ogc/collections?foo=1").await.status,
        StatusCode::BAD_REQUEST
    );
}

/// CGCS2000, latitude first, named in Content-Crs; a bbox given in it too. Returns the first
/// feature and its corner's longitude and latitude, for the filters.
async fn cgcs2000_is_served_beside_crs84(app: &TestApp) -> (serde_json::Value, f64, f64) {
    // CGCS2000, latitude first, named in Content-Crs; a bbox given in it too.
    let crs84 = app
        .get("/ogc/collections/land-parcels/items?limit=1")
        .await
        .json();
    let first = &crs84["features"][0];
    let cgcs = app
        .get(&format!(
            "/ogc/collections/land-parcels/items/{}?crs=http://www.opengis.net/def/crs/EPSG/0/4490",
            first["id"]
        ))
        .await;
    cgcs.expect_status(StatusCode::OK);
    assert_eq!(
        cgcs.header("content-crs"),
        "<http://www.opengis.net/def/crs/EPSG/0/4490>"
    );
    let (a, b) = (&first["bbox"], &cgcs.json()["bbox"]);
    assert_eq!((a[0].clone(), a[1].clone()), (b[1].clone(), b[0].clone()));
    let lon = a[0].as_f64().expect("lon");
    let lat = a[1].as_f64().expect("lat");
    let around = format!(
        "{},{},{},{}",
        lat - 0.01,
        lon - 0.01,
        lat + 0.01,
        lon + 0.01
    );
    let found = app
        .get(&format!(
            "/ogc/collections/land-parcels/items?bbox={around}&bbox-crs=EPSG:4490&limit=100"
        ))
        .await
        .json();
    assert!(
        found["features"]
            .as_array()
            .expect("features")
            .iter()
            .any(|f| f["id"] == first["id"]),
        "a bbox in CGCS2000 finds the feature"
    );
    (first.clone(), lon, lat)
}

/// Part 3: queryables, and filters in CQL2 text and JSON.
async fn queryables_and_cql2_filters_in_text_and_json(
    app: &TestApp,
    first: &serde_json::Value,
    lon: f64,
    lat: f64,
) {
    // Part 3: queryables, and filters in CQL2 text and JSON.
    let q = app.get("/ogc/collections/land-parcels/queryables").await;
    assert_eq!(q.header("content-type"), "application/schema+json");
    assert_eq!(q.json()["properties"]["area_m2"]["type"], "integer");
    let text = common::form_encode("use = '耕地' AND area_m2 > 300 AND name LIKE '%宗地%'");
    let found = app
        .get(&format!(
            "/ogc/collections/land-parcels/items?filter={text}&limit=50"
        ))
        .await;
    found.expect_status(StatusCode::OK);
    let features = found.json()["features"]
        .as_array()
        .expect("features")
        .clone();
    assert!(!features.is_empty());
    assert!(features.iter().all(|f| {
        f["properties"]["use"] == "耕地"
            && f["properties"]["area_m2"].as_i64().is_some_and(|a| a > 300)
    }));
    let json_filter = common::form_encode(
        r#"{"op":"and","args":[{"op":"=","args":[{"property":"use"},"耕地"]},{"op":">","args":[{"property":"area_m2"},300]},{"op":"like","args":[{"property":"name"},"%宗地%"]}]}"#,
    );
    let same = app
        .get(&format!(
            "/ogc/collections/land-parcels/items?filter={json_filter}&filter-lang=cql2-json&limit=50"
        ))
        .await
        .json();
    assert_eq!(same["features"], serde_json::Value::Array(features));
    let spatial = common::form_encode(&format!(
        "S_INTERSECTS(geometry, BBOX({}, {}, {}, {}))",
        lon - 0.01,
        lat - 0.01,
        lon + 0.01,
        lat + 0.01
    ));
    let near = app
        .get(&format!(
            "/ogc/collections/land-parcels/items?filter={spatial}&limit=100"
        ))
        .await
        .json();
    assert!(
        near["features"]
            .as_array()
            .expect("features")
            .iter()
            .any(|f| f["id"] == first["id"])
    );
}

/// Sorting by a queryable, descending, across pages, with a box.
async fn sorting_by_a_queryable_pages_in_order(app: &TestApp) {
    // Sorting by a queryable, descending, across pages, with a box.
    let mut url =
        "/ogc/collections/land-parcels/items?sortby=-area_m2,name&bbox=78,26,100,37&limit=7"
            .to_owned();
    let mut areas = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for _ in 0..5 {
        let page = app.get(&url).await;
        page.expect_status(StatusCode::OK);
        let page = page.json();
        for f in page["features"].as_array().expect("features") {
            areas.push(f["properties"]["area_m2"].as_i64().expect("area"));
            assert!(ids.insert(f["id"].to_string()), "no feature twice");
        }
        let Some(next) = page["links"]
            .as_array()
            .expect("links")
            .iter()
            .find(|l| l["rel"] == "next")
        else {
            break;
        };
        url = next["href"]
            .as_str()
            .expect("href")
            .trim_start_matches("http://localhost")
            .to_owned();
    }
    assert_eq!(areas.len(), 35);
    assert!(areas.windows(2).all(|w| w[0] >= w[1]), "{areas:?}");
    let by_name = app
        .get("/ogc/collections/land-parcels/items?sortby=%2Bcode&limit=20")
        .await
        .json();
    let codes: Vec<String> = by_name["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["code"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(codes.windows(2).all(|w| w[0] <= w[1]), "{codes:?}");
}

/// Every resource as a page at its own address, for f=html and for a browser; a program
/// asking for JSON still gets JSON.
async fn every_resource_is_a_page_at_its_own_address(app: &TestApp, first: &serde_json::Value) {
    // Every resource as a page at its own address: for f=html, and for a browser.
    let html = app
        .get("/ogc/collections/land-parcels/items?f=html&limit=5&lang=en")
        .await;
    html.expect_status(StatusCode::OK);
    assert!(html.header("content-type").starts_with("text/html"));
    assert!(html.body.contains("<table") && html.body.contains("area_m2"));
    assert!(
        html.body.contains("/ogc/collections/land-parcels/items/"),
        "feature links"
    );
    let browser = app
        .get_with(
            "/ogc/collections?lang=en",
            "accept",
            "text/html,application/xhtml+xml,*/*;q=0.8",
        )
        .await;
    assert!(browser.header("content-type").starts_with("text/html"));
    assert!(
        browser
            .body
            .contains("/ogc/collections/land-parcels?f=html")
    );
    let one = app
        .get(&format!(
            "/ogc/collections/land-parcels/items/{}?f=html",
            first["id"]
        ))
        .await;
    one.shows("area_m2");
    assert!(
        app.get("/ogc/conformance?f=html")
            .await
            .body
            .contains("conf/html")
    );
    // A program asking for JSON still gets JSON.
    let json = app
        .get_with("/ogc/collections", "accept", "application/json")
        .await;
    assert_eq!(json.header("content-type"), "application/json");
}
