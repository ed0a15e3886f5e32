//! The geography registry through OGC API – Features, on every backend: what a GIS client
//! sees at each endpoint, paging by `next` links, bad parameters refused with a problem
//! document, and layers that are not public kept from the public.

mod common;

use axum::http::StatusCode;
use common::TestApp;

#[tokio::test]
async fn ogc_api_features_serves_layers_with_bbox_limit_and_paging() {
    for app in TestApp::all().await {
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
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
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
