//! GeoJSON geometries (RFC 7946) for the natural resources and geography registry: parsing,
//! validation that names what is wrong, bounding boxes, and the tests spatial queries need
//! (intersection, containment, distance). Positions are longitude, latitude (WGS 84, which
//! CGCS2000 matches to centimetres). Written for the registry's sizes: a geometry has at
//! most [`MAX_POSITIONS`] positions.

use kernel::Message;
use serde_json::{Value, json};

/// A position: longitude, latitude.
pub type Pos = [f64; 2];

/// The most positions one geometry may have.
pub const MAX_POSITIONS: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    Point(Pos),
    MultiPoint(Vec<Pos>),
    LineString(Vec<Pos>),
    MultiLineString(Vec<Vec<Pos>>),
    Polygon(Vec<Vec<Pos>>),
    MultiPolygon(Vec<Vec<Vec<Pos>>>),
}

/// What is wrong with a geometry, in words a data steward can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum GeoProblem {
    /// Not a GeoJSON geometry object, or an unknown type.
    Shape(String),
    /// A coordinate outside longitude −180…180 or latitude −90…90.
    OutOfRange {
        position: Pos,
    },
    /// Latitude first: GeoJSON wants longitude, latitude.
    Swapped {
        position: Pos,
    },
    TooFewPositions {
        needed: usize,
    },
    NotClosed,
    SelfIntersection {
        at: Pos,
    },
    TooLarge,
}

impl GeoProblem {
    pub fn message(&self) -> Message {
        let pos = |p: &Pos| format!("[{}, {}]", p[0], p[1]);
        match self {
            GeoProblem::Shape(what) => Message::new("geo-shape").arg("what", what.as_str()),
            GeoProblem::OutOfRange { position } => {
                Message::new("geo-out-of-range").arg("position", pos(position))
            }
            GeoProblem::Swapped { position } => {
                Message::new("geo-swapped").arg("position", pos(position))
            }
            GeoProblem::TooFewPositions { needed } => {
                Message::new("geo-too-few").arg("needed", *needed as i64)
            }
            GeoProblem::NotClosed => Message::new("geo-not-closed"),
            GeoProblem::SelfIntersection { at } => {
                Message::new("geo-self-intersection").arg("position", pos(at))
            }
            GeoProblem::TooLarge => Message::new("geo-too-large").arg("max", MAX_POSITIONS as i64),
        }
    }
}

/// The region's extent, to tell swapped coordinates from plain wrong ones.
const REGION: [f64; 4] = [78.0, 26.0, 100.0, 37.0];

fn position(v: &Value) -> Result<Pos, GeoProblem> {
    let a = v
        .as_array()
        .filter(|a| (2..=3).contains(&a.len()))
        .ok_or_else(|| GeoProblem::Shape("position".into()))?;
    let x = a[0]
        .as_f64()
        .ok_or_else(|| GeoProblem::Shape("number".into()))?;
    let y = a[1]
        .as_f64()
        .ok_or_else(|| GeoProblem::Shape("number".into()))?;
    let p = [x, y];
    let inside = |p: Pos| (-180.0..=180.0).contains(&p[0]) && (-90.0..=90.0).contains(&p[1]);
    let in_region =
        |p: Pos| p[0] >= REGION[0] && p[0] <= REGION[2] && p[1] >= REGION[1] && p[1] <= REGION[3];
    if in_region([y, x]) {
        return Err(GeoProblem::Swapped { position: p });
    }
    if !x.is_finite() || !y.is_finite() || !inside(p) {
        return Err(GeoProblem::OutOfRange { position: p });
    }
    Ok(p)
}

fn list<T>(v: &Value, f: impl Fn(&Value) -> Result<T, GeoProblem>) -> Result<Vec<T>, GeoProblem> {
    v.as_array()
        .ok_or_else(|| GeoProblem::Shape("array".into()))?
        .iter()
        .map(f)
        .collect()
}

fn line(v: &Value) -> Result<Vec<Pos>, GeoProblem> {
    let l = list(v, position)?;
    if l.len() < 2 {
        return Err(GeoProblem::TooFewPositions { needed: 2 });
    }
    Ok(l)
}

fn ring(v: &Value) -> Result<Vec<Pos>, GeoProblem> {
    let r = list(v, position)?;
    if r.len() < 4 {
        return Err(GeoProblem::TooFewPositions { needed: 4 });
    }
    if r.first() != r.last() {
        return Err(GeoProblem::NotClosed);
    }
    Ok(r)
}

fn polygon(v: &Value) -> Result<Vec<Vec<Pos>>, GeoProblem> {
    let rings = list(v, ring)?;
    if rings.is_empty() {
        return Err(GeoProblem::TooFewPositions { needed: 4 });
    }
    Ok(rings)
}

impl Geometry {
    /// Parses and validates a GeoJSON geometry object.
    pub fn parse(v: &Value) -> Result<Geometry, GeoProblem> {
        let kind = v["type"].as_str().unwrap_or("");
        let c = &v["coordinates"];
        let g = match kind {
            "Point" => Geometry::Point(position(c)?),
            "MultiPoint" => Geometry::MultiPoint(list(c, position)?),
            "LineString" => Geometry::LineString(line(c)?),
            "MultiLineString" => Geometry::MultiLineString(list(c, line)?),
            "Polygon" => Geometry::Polygon(polygon(c)?),
            "MultiPolygon" => Geometry::MultiPolygon(list(c, polygon)?),
            other => return Err(GeoProblem::Shape(other.to_owned())),
        };
        if g.positions().count() > MAX_POSITIONS {
            return Err(GeoProblem::TooLarge);
        }
        if g.positions().next().is_none() {
            return Err(GeoProblem::TooFewPositions { needed: 1 });
        }
        for r in g.rings() {
            simple_ring(r)?;
        }
        Ok(g)
    }

    pub fn to_json(&self) -> Value {
        match self {
            Geometry::Point(p) => json!({ "type": "Point", "coordinates": p }),
            Geometry::MultiPoint(p) => json!({ "type": "MultiPoint", "coordinates": p }),
            Geometry::LineString(l) => json!({ "type": "LineString", "coordinates": l }),
            Geometry::MultiLineString(l) => {
                json!({ "type": "MultiLineString", "coordinates": l })
            }
            Geometry::Polygon(p) => json!({ "type": "Polygon", "coordinates": p }),
            Geometry::MultiPolygon(p) => json!({ "type": "MultiPolygon", "coordinates": p }),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Geometry::Point(_) => "Point",
            Geometry::MultiPoint(_) => "MultiPoint",
            Geometry::LineString(_) => "LineString",
            Geometry::MultiLineString(_) => "MultiLineString",
            Geometry::Polygon(_) => "Polygon",
            Geometry::MultiPolygon(_) => "MultiPolygon",
        }
    }

    /// A rectangle as a polygon (min x, min y, max x, max y).
    pub fn rect(b: [f64; 4]) -> Geometry {
        Geometry::Polygon(vec![vec![
            [b[0], b[1]],
            [b[2], b[1]],
            [b[2], b[3]],
            [b[0], b[3]],
            [b[0], b[1]],
        ]])
    }

    pub fn positions(&self) -> Box<dyn Iterator<Item = &Pos> + '_> {
        match self {
            Geometry::Point(p) => Box::new(std::iter::once(p)),
            Geometry::MultiPoint(l) | Geometry::LineString(l) => Box::new(l.iter()),
            Geometry::MultiLineString(ls) | Geometry::Polygon(ls) => Box::new(ls.iter().flatten()),
            Geometry::MultiPolygon(ps) => Box::new(ps.iter().flatten().flatten()),
        }
    }

    fn rings(&self) -> Vec<&Vec<Pos>> {
        match self {
            Geometry::Polygon(p) => p.iter().collect(),
            Geometry::MultiPolygon(ps) => ps.iter().flatten().collect(),
            _ => Vec::new(),
        }
    }

    fn polygons(&self) -> Vec<&[Vec<Pos>]> {
        match self {
            Geometry::Polygon(p) => vec![p.as_slice()],
            Geometry::MultiPolygon(ps) => ps.iter().map(Vec::as_slice).collect(),
            _ => Vec::new(),
        }
    }

    /// Every segment; a point is a segment of length zero.
    fn segments(&self) -> Vec<(Pos, Pos)> {
        match self {
            Geometry::Point(p) => vec![(*p, *p)],
            Geometry::MultiPoint(l) => l.iter().map(|p| (*p, *p)).collect(),
            Geometry::LineString(l) => l.windows(2).map(|w| (w[0], w[1])).collect(),
            Geometry::MultiLineString(ls) | Geometry::Polygon(ls) => ls
                .iter()
                .flat_map(|l| l.windows(2).map(|w| (w[0], w[1])))
                .collect(),
            Geometry::MultiPolygon(ps) => ps
                .iter()
                .flatten()
                .flat_map(|l| l.windows(2).map(|w| (w[0], w[1])))
                .collect(),
        }
    }

    /// The bounding box: min x, min y, max x, max y.
    pub fn bbox(&self) -> [f64; 4] {
        let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for p in self.positions() {
            b[0] = b[0].min(p[0]);
            b[1] = b[1].min(p[1]);
            b[2] = b[2].max(p[0]);
            b[3] = b[3].max(p[1]);
        }
        b
    }

    /// Whether a point lies inside (or on the boundary of) one of this geometry's polygons.
    fn covers_point(&self, p: Pos) -> bool {
        self.polygons().iter().any(|rings| {
            let mut inside = false;
            for r in rings.iter() {
                for w in r.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    if on_segment(a, b, p) {
                        return true;
                    }
                    if (a[1] > p[1]) != (b[1] > p[1])
                        && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
                    {
                        inside = !inside;
                    }
                }
            }
            inside
        })
    }

    /// Whether the two geometries share any point.
    pub fn intersects(&self, other: &Geometry) -> bool {
        let (ba, bb) = (self.bbox(), other.bbox());
        if ba[0] > bb[2] || bb[0] > ba[2] || ba[1] > bb[3] || bb[1] > ba[3] {
            return false;
        }
        if self.positions().any(|p| other.covers_point(*p))
            || other.positions().any(|p| self.covers_point(*p))
        {
            return true;
        }
        let theirs = other.segments();
        self.segments()
            .iter()
            .any(|(a, b)| theirs.iter().any(|(c, d)| segments_cross(*a, *b, *c, *d)))
    }

    /// The least distance in metres from a point to this geometry (0 inside a polygon).
    /// Measured on a plane tangent at the point: good to a fraction of a percent over the
    /// tens of kilometres a "within distance" query asks about.
    pub fn distance_m(&self, p: Pos) -> f64 {
        if self.covers_point(p) {
            return 0.0;
        }
        let kx = 111_320.0 * p[1].to_radians().cos();
        let ky = 110_540.0;
        let local = |q: Pos| [(q[0] - p[0]) * kx, (q[1] - p[1]) * ky];
        self.segments()
            .iter()
            .map(|(a, b)| point_segment_distance([0.0, 0.0], local(*a), local(*b)))
            .fold(f64::MAX, f64::min)
    }
}

/// A box around a point that holds everything within `metres` of it.
pub fn around(p: Pos, metres: f64) -> [f64; 4] {
    let dy = metres / 110_540.0;
    let dx = metres / (111_320.0 * p[1].to_radians().cos().max(0.01));
    [p[0] - dx, p[1] - dy, p[0] + dx, p[1] + dy]
}

fn cross(o: Pos, a: Pos, b: Pos) -> f64 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

fn on_segment(a: Pos, b: Pos, p: Pos) -> bool {
    cross(a, b, p) == 0.0
        && p[0] >= a[0].min(b[0])
        && p[0] <= a[0].max(b[0])
        && p[1] >= a[1].min(b[1])
        && p[1] <= a[1].max(b[1])
}

/// Whether segments ab and cd share a point.
fn segments_cross(a: Pos, b: Pos, c: Pos, d: Pos) -> bool {
    let d1 = cross(c, d, a);
    let d2 = cross(c, d, b);
    let d3 = cross(a, b, c);
    let d4 = cross(a, b, d);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    on_segment(c, d, a) || on_segment(c, d, b) || on_segment(a, b, c) || on_segment(a, b, d)
}

fn point_segment_distance(p: Pos, a: Pos, b: Pos) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    };
    let (x, y) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    (x * x + y * y).sqrt()
}

/// A ring must not cross or touch itself except where consecutive segments meet.
fn simple_ring(r: &[Pos]) -> Result<(), GeoProblem> {
    let n = r.len() - 1;
    for i in 0..n {
        for j in i + 1..n {
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            let (a, b, c, d) = (r[i], r[i + 1], r[j], r[j + 1]);
            if adjacent {
                // Consecutive segments may share only their common end: not fold back.
                let folds = cross(a, b, d) == 0.0
                    && cross(a, b, c) == 0.0
                    && ((b[0] - a[0]) * (d[0] - c[0]) + (b[1] - a[1]) * (d[1] - c[1])) < 0.0;
                if folds && j == i + 1 {
                    return Err(GeoProblem::SelfIntersection { at: c });
                }
                continue;
            }
            if segments_cross(a, b, c, d) {
                return Err(GeoProblem::SelfIntersection { at: c });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(v: Value) -> Result<Geometry, GeoProblem> {
        Geometry::parse(&v)
    }

    #[test]
    fn valid_geometries_and_what_is_wrong_with_bad_ones() {
        let square = g(json!({"type": "Polygon", "coordinates": [[[91.0, 29.0], [91.1, 29.0], [91.1, 29.1], [91.0, 29.1], [91.0, 29.0]]]}))
            .expect("a square");
        assert_eq!(square.bbox(), [91.0, 29.0, 91.1, 29.1]);
        // A bow tie crosses itself.
        assert!(matches!(
            g(
                json!({"type": "Polygon", "coordinates": [[[91.0, 29.0], [91.1, 29.1], [91.1, 29.0], [91.0, 29.1], [91.0, 29.0]]]})
            ),
            Err(GeoProblem::SelfIntersection { .. })
        ));
        // Latitude first, inside the region when swapped back.
        assert!(matches!(
            g(json!({"type": "Point", "coordinates": [29.65, 91.13]})),
            Err(GeoProblem::Swapped { .. })
        ));
        assert!(matches!(
            g(json!({"type": "Point", "coordinates": [191.0, 29.0]})),
            Err(GeoProblem::OutOfRange { .. })
        ));
        assert!(matches!(
            g(
                json!({"type": "Polygon", "coordinates": [[[91.0, 29.0], [91.1, 29.0], [91.1, 29.1], [91.0, 29.1]]]})
            ),
            Err(GeoProblem::NotClosed)
        ));
        assert!(matches!(
            g(json!({"type": "LineString", "coordinates": [[91.0, 29.0]]})),
            Err(GeoProblem::TooFewPositions { needed: 2 })
        ));
        assert!(matches!(
            g(json!({"type": "Circle", "coordinates": [91.0, 29.0]})),
            Err(GeoProblem::Shape(_))
        ));
        assert!(g(json!({"type": "Point", "coordinates": [91.0, "29"]})).is_err());
    }

    #[test]
    fn spatial_tests() {
        let square = Geometry::rect([91.0, 29.0, 91.1, 29.1]);
        let inside = Geometry::Point([91.05, 29.05]);
        let outside = Geometry::Point([91.2, 29.05]);
        let road = Geometry::LineString(vec![[90.9, 29.05], [91.2, 29.06]]);
        assert!(square.intersects(&inside));
        assert!(inside.intersects(&square));
        assert!(!square.intersects(&outside));
        assert!(square.intersects(&road), "a road through the square");
        assert!(
            Geometry::rect([91.02, 29.02, 91.03, 29.03]).intersects(&square),
            "inside"
        );
        assert!(
            square.intersects(&Geometry::rect([91.02, 29.02, 91.03, 29.03])),
            "contains"
        );
        assert_eq!(square.distance_m([91.05, 29.05]), 0.0);
        // 0.1° of longitude east of the square at 29.05° N is about 9.7 km.
        let d = square.distance_m([91.2, 29.05]);
        assert!((9_600.0..9_800.0).contains(&d), "{d}");
        let b = around([91.2, 29.05], 10_000.0);
        assert!(b[0] < 91.1 && b[2] > 91.3);
    }
}
