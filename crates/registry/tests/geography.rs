//! The geography registry on every backend: validation, the owning department, and spatial
//! queries through the index with exact checks and paging.

use serde_json::{Map, json};
use yiwang_registry::geo::{self, Area, NewFeature};
use yiwang_registry::geometry::Geometry;
use yiwang_registry::record::{RegistryError, Source};

fn source(kind: &str) -> Source {
    Source::of_department("540102", kind, "official:3", "batch:test")
}

fn square(code: &str, x: f64, y: f64, size: f64) -> NewFeature {
    NewFeature {
        layer: "land-parcels".into(),
        code: code.into(),
        name: format!("宗地 {code}"),
        division: "540102".into(),
        properties: Map::new(),
        geometry: json!({"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}),
    }
}

db::on_each_backend! {
    async fn features_are_checked_indexed_and_found(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let db = &t.db;
        let nr = source("natural-resources");
        // Roads belong to transport; a bow tie, swapped coordinates and an unknown division
        // are each named; nothing is saved.
        let mut road = square("R1", 91.0, 29.0, 0.01);
        road.layer = "roads".into();
        let mut bow = square("B1", 91.0, 29.0, 0.01);
        bow.geometry = json!({"type": "Polygon", "coordinates": [[[91.0, 29.0], [91.1, 29.1], [91.1, 29.0], [91.0, 29.1], [91.0, 29.0]]]});
        bow.division = "549999".into();
        match geo::save(db, &bow, &nr).await {
            Err(RegistryError::Invalid(p)) => {
                let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
                assert_eq!(fields, ["division", "geometry"]);
                assert_eq!(p[1].1.key, "geo-self-intersection");
            }
            other => panic!("refused, not {other:?}"),
        }
        assert!(
            matches!(geo::save(db, &road, &nr).await, Err(RegistryError::Invalid(p)) if p[0].1.key == "reg-not-owner")
        );
        let mut swapped = square("S1", 29.0, 91.0, 0.01);
        swapped.code = "S1".into();
        assert!(
            matches!(geo::save(db, &swapped, &nr).await, Err(RegistryError::Invalid(p)) if p[0].1.key == "geo-swapped")
        );
        assert_eq!(geo::count(db, "land-parcels").await.expect("count"), 0);

        // A 10 × 10 grid of parcels 0.01° apart, each 0.005° square.
        for i in 0..10 {
            for j in 0..10 {
                let f = square(
                    &format!("P{i}-{j}"),
                    91.0 + f64::from(i) * 0.01,
                    29.0 + f64::from(j) * 0.01,
                    0.005,
                );
                geo::save(db, &f, &nr).await.expect("saved");
            }
        }
        // A box over a 3 × 3 block.
        let page = geo::query(
            db,
            "land-parcels",
            &Area::BBox([90.999, 28.999, 91.021, 29.021]),
            None,
            100,
            0,
        )
        .await
        .expect("query");
        assert_eq!(page.features.len(), 9, "{}", t.name());
        // Another layer's feature in the same box is not on the parcels' page (the layer is
        // one of the index's dimensions on SQLite), and the parcels are not on its.
        let mut mine = square("M1", 91.006, 29.006, 0.002);
        mine.layer = "mineral-rights".into();
        geo::save(db, &mine, &nr).await.expect("saved");
        let block = Area::BBox([90.999, 28.999, 91.021, 29.021]);
        let codes = |p: &geo::Page| p.features.iter().map(|f| f.code.clone()).collect::<Vec<_>>();
        let parcels = geo::query(db, "land-parcels", &block, None, 100, 0).await.expect("parcels");
        assert_eq!(parcels.features.len(), 9, "{}", t.name());
        let rights = geo::query(db, "mineral-rights", &block, None, 100, 0).await.expect("rights");
        assert_eq!(codes(&rights), ["M1"], "{}", t.name());
        // Within a division's subtree: the city holds them, another prefecture none.
        for (division, expected) in [("540100", 9), ("540102", 9), ("540200", 0)] {
            let d = kernel::DivisionCode::parse(division).expect("division");
            let within = geo::query(db, "land-parcels", &block, Some(d), 100, 0).await.expect("within");
            assert_eq!(within.features.len(), expected, "{division} {}", t.name());
        }
        // Paging: 4 then 4 then 1.
        let first = geo::query(
            db,
            "land-parcels",
            &Area::BBox([90.999, 28.999, 91.021, 29.021]),
            None,
            4,
            0,
        )
        .await
        .expect("page 1");
        assert_eq!(first.features.len(), 4);
        let next = first.next.expect("more");
        let second = geo::query(
            db,
            "land-parcels",
            &Area::BBox([90.999, 28.999, 91.021, 29.021]),
            None,
            4,
            next,
        )
        .await
        .expect("page 2");
        assert_eq!(second.features.len(), 4);
        let third = geo::query(
            db,
            "land-parcels",
            &Area::BBox([90.999, 28.999, 91.021, 29.021]),
            None,
            4,
            second.next.expect("a third page"),
        )
        .await
        .expect("page 3");
        assert_eq!(third.features.len(), 1);
        assert!(third.next.is_none());
        // Every feature in the box once, whatever order the backend pages in.
        let mut seen: Vec<i64> = [&first, &second, &third]
            .iter()
            .flat_map(|p| p.features.iter().map(|f| f.id))
            .collect();
        seen.sort_unstable();
        seen.dedup();
        let mut all: Vec<i64> = page.features.iter().map(|f| f.id).collect();
        all.sort_unstable();
        assert_eq!(seen, all, "{}", t.name());
        // A point inside one parcel, and one in the gap between parcels.
        let at = geo::query(
            db,
            "land-parcels",
            &Area::Point([91.0525, 29.0525]),
            None,
            10,
            0,
        )
        .await
        .expect("point");
        assert_eq!(at.features.len(), 1);
        assert_eq!(at.features[0].code, "P5-5");
        let gap = geo::query(
            db,
            "land-parcels",
            &Area::Point([91.0575, 29.0575]),
            None,
            10,
            0,
        )
        .await
        .expect("gap");
        assert!(
            gap.features.is_empty(),
            "the box index alone would say otherwise"
        );
        // A triangle over the corner of P0-0 only.
        let triangle = Geometry::parse(&json!({"type": "Polygon", "coordinates": [[[91.0, 29.0], [91.004, 29.0], [91.0, 29.004], [91.0, 29.0]]]}))
            .expect("triangle");
        let cut = geo::query(db, "land-parcels", &Area::Polygon(triangle), None, 10, 0)
            .await
            .expect("polygon");
        assert_eq!(cut.features.len(), 1);
        // Within 1.2 km of the grid's corner: parcels whose nearest edge is that close.
        let near = geo::query(
            db,
            "land-parcels",
            &Area::Within([90.99, 29.0], 1_200.0),
            None,
            100,
            0,
        )
        .await
        .expect("within");
        assert!(
            near.features.iter().all(|f| f.code.starts_with("P0-")),
            "{:?}",
            near.features.iter().map(|f| &f.code).collect::<Vec<_>>()
        );
        assert!(!near.features.is_empty());

        // Replacing a parcel moves it in the index too.
        geo::save(db, &square("P0-0", 92.0, 30.0, 0.005), &nr)
            .await
            .expect("moved");
        let moved = geo::query(
            db,
            "land-parcels",
            &Area::Point([92.001, 30.001]),
            None,
            10,
            0,
        )
        .await
        .expect("moved");
        assert_eq!(moved.features.len(), 1);
        assert_eq!(
            geo::extent(db, "land-parcels")
                .await
                .expect("extent")
                .expect("some")[2],
            92.005
        );
        t.close().await;
    }
}
