//! CQL2 (OGC 21-065), the filter language of OGC API – Features Part 3, in both encodings:
//! text (`filter-lang=cql2-text`, the default) and JSON (`cql2-json`).
//!
//! What is understood, and declared as conformance classes, is exactly: basic CQL2
//! (comparisons `= <> < <= > >=` of a property and a literal, `IS [NOT] NULL`, `AND`, `OR`,
//! `NOT`, parentheses), the advanced comparison operators (`[NOT] LIKE` with `%` and `_`,
//! `[NOT] IN (…)`, `[NOT] BETWEEN … AND …`) and the basic spatial function `S_INTERSECTS` of
//! the geometry with a `POINT`, `BBOX` or `POLYGON` literal (in CRS84). Properties are checked
//! against the layer's queryables before anything runs; a mistake is named with its position.

use serde_json::{Map, Value};

use crate::geometry::Geometry;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare(Cmp, Operand, Operand),
    Like(Operand, String),
    In(Operand, Vec<Value>),
    Between(Operand, Value, Value),
    IsNull(Operand),
    Intersects(Geometry),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Property(String),
    Literal(Value),
}

/// Why a filter was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(pub String);

type Parsed<T> = Result<T, FilterError>;

fn err<T>(what: impl Into<String>) -> Parsed<T> {
    Err(FilterError(what.into()))
}

// ---------------------------------------------------------------------------------------
// Text

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(f64),
    Sym(&'static str),
}

fn tokens(text: &str) -> Parsed<Vec<(usize, Tok)>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i;
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return err(format!("a string opened at {at} is not closed")),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        i += 1;
                    }
                }
            }
            out.push((at, Tok::Str(s)));
        } else if c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|ch| *ch == '"')
                .ok_or_else(|| FilterError(format!("a name opened at {at} is not closed")))?;
            out.push((at, Tok::Word(chars[i + 1..i + 1 + end].iter().collect())));
            i += end + 2;
        } else if c.is_ascii_digit()
            || ((c == '-' || c == '+' || c == '.')
                && chars
                    .get(i + 1)
                    .is_some_and(|d| d.is_ascii_digit() || *d == '.'))
        {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || matches!(chars[i], '.' | 'e' | 'E')
                    || (matches!(chars[i], '-' | '+') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            let n: f64 = s
                .parse()
                .map_err(|_| FilterError(format!("{s:?} at {at} is not a number")))?;
            out.push((at, Tok::Num(n)));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | ':'))
            {
                i += 1;
            }
            out.push((at, Tok::Word(chars[start..i].iter().collect())));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym = match two.as_str() {
                "<>" => Some("<>"),
                "<=" => Some("<="),
                ">=" => Some(">="),
                _ => None,
            };
            if let Some(s) = sym {
                out.push((at, Tok::Sym(s)));
                i += 2;
                continue;
            }
            let s = match c {
                '(' => "(",
                ')' => ")",
                ',' => ",",
                '=' => "=",
                '<' => "<",
                '>' => ">",
                _ => return err(format!("{c:?} at {at} is not understood")),
            };
            out.push((at, Tok::Sym(s)));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    i: usize,
    len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.toks.get(self.i).map_or(self.len, |(p, _)| *p)
    }

    fn keyword(&mut self, k: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k)) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(x)) if *x == s) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, s: &str) -> Parsed<()> {
        if self.sym(s) {
            Ok(())
        } else {
            err(format!("{s:?} expected at {}", self.at()))
        }
    }

    fn or(&mut self) -> Parsed<Expr> {
        let mut parts = vec![self.and()?];
        while self.keyword("OR") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Parsed<Expr> {
        let mut parts = vec![self.not()?];
        while self.keyword("AND") {
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn not(&mut self) -> Parsed<Expr> {
        if self.keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        if self.sym("(") {
            let e = self.or()?;
            self.expect(")")?;
            return Ok(e);
        }
        self.predicate()
    }

    fn literal(&mut self) -> Parsed<Value> {
        let at = self.at();
        let v = match self.peek().cloned() {
            Some(Tok::Str(s)) => Value::from(s),
            Some(Tok::Num(n)) => serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("TRUE") => Value::Bool(true),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("FALSE") => Value::Bool(false),
            _ => return err(format!("a literal expected at {at}")),
        };
        self.i += 1;
        Ok(v)
    }

    fn operand(&mut self) -> Parsed<Operand> {
        match self.peek().cloned() {
            Some(Tok::Word(w)) if !["TRUE", "FALSE"].iter().any(|k| w.eq_ignore_ascii_case(k)) => {
                self.i += 1;
                Ok(Operand::Property(w))
            }
            _ => Ok(Operand::Literal(self.literal()?)),
        }
    }

    fn number(&mut self) -> Parsed<f64> {
        match self.peek().cloned() {
            Some(Tok::Num(n)) => {
                self.i += 1;
                Ok(n)
            }
            _ => err(format!("a number expected at {}", self.at())),
        }
    }

    fn position(&mut self) -> Parsed<[f64; 2]> {
        Ok([self.number()?, self.number()?])
    }

    fn geometry(&mut self) -> Parsed<Geometry> {
        let at = self.at();
        let value = if self.keyword("POINT") {
            self.expect("(")?;
            let p = self.position()?;
            self.expect(")")?;
            serde_json::json!({ "type": "Point", "coordinates": p })
        } else if self.keyword("BBOX") {
            self.expect("(")?;
            let mut n = vec![self.number()?];
            while self.sym(",") {
                n.push(self.number()?);
            }
            self.expect(")")?;
            let b = match n.as_slice() {
                [a, b, c, d] => [*a, *b, *c, *d],
                [a, b, _, d, e, _] => [*a, *b, *d, *e],
                _ => return err(format!("BBOX at {at} takes four numbers")),
            };
            return Ok(Geometry::rect(b));
        } else if self.keyword("POLYGON") {
            self.expect("(")?;
            let mut rings = Vec::new();
            loop {
                self.expect("(")?;
                let mut ring = vec![self.position()?];
                while self.sym(",") {
                    ring.push(self.position()?);
                }
                self.expect(")")?;
                rings.push(ring);
                if !self.sym(",") {
                    break;
                }
            }
            self.expect(")")?;
            serde_json::json!({ "type": "Polygon", "coordinates": rings })
        } else {
            return err(format!("POINT, BBOX or POLYGON expected at {at}"));
        };
        Geometry::parse(&value)
            .map_err(|_| FilterError(format!("the geometry at {at} is not valid")))
    }

    fn predicate(&mut self) -> Parsed<Expr> {
        if self.keyword("S_INTERSECTS") {
            self.expect("(")?;
            let e = self.spatial_args()?;
            self.expect(")")?;
            return Ok(e);
        }
        let left = self.operand()?;
        let negated = self.keyword("NOT");
        let e = if self.keyword("LIKE") {
            match self.literal()? {
                Value::String(p) => Expr::Like(left, p),
                _ => return err(format!("LIKE takes a string, at {}", self.at())),
            }
        } else if self.keyword("IN") {
            self.expect("(")?;
            let mut list = vec![self.literal()?];
            while self.sym(",") {
                list.push(self.literal()?);
            }
            self.expect(")")?;
            Expr::In(left, list)
        } else if self.keyword("BETWEEN") {
            let low = self.literal()?;
            if !self.keyword("AND") {
                return err(format!("AND expected in BETWEEN at {}", self.at()));
            }
            Expr::Between(left, low, self.literal()?)
        } else if !negated && self.keyword("IS") {
            let not = self.keyword("NOT");
            if !self.keyword("NULL") {
                return err(format!("NULL expected at {}", self.at()));
            }
            let e = Expr::IsNull(left);
            return Ok(if not { Expr::Not(Box::new(e)) } else { e });
        } else if negated {
            return err(format!(
                "LIKE, IN or BETWEEN expected after NOT at {}",
                self.at()
            ));
        } else {
            let op = [
                ("=", Cmp::Eq),
                ("<>", Cmp::Ne),
                ("<=", Cmp::Le),
                (">=", Cmp::Ge),
                ("<", Cmp::Lt),
                (">", Cmp::Gt),
            ]
            .into_iter()
            .find(|(s, _)| self.sym(s))
            .map(|(_, op)| op)
            .ok_or_else(|| FilterError(format!("a comparison expected at {}", self.at())))?;
            Expr::Compare(op, left, self.operand()?)
        };
        Ok(if negated { Expr::Not(Box::new(e)) } else { e })
    }

    /// `S_INTERSECTS(geometry, <literal>)` in either order.
    fn spatial_args(&mut self) -> Parsed<Expr> {
        if self.keyword("geometry") {
            self.expect(",")?;
            return Ok(Expr::Intersects(self.geometry()?));
        }
        let g = self.geometry()?;
        self.expect(",")?;
        if !self.keyword("geometry") {
            return err(format!(
                "S_INTERSECTS compares with the property geometry, at {}",
                self.at()
            ));
        }
        Ok(Expr::Intersects(g))
    }
}

/// Parses a CQL2 text filter.
pub fn parse_text(text: &str) -> Parsed<Expr> {
    let toks = tokens(text)?;
    if toks.is_empty() {
        return err("the filter is empty");
    }
    let mut p = Parser {
        toks,
        i: 0,
        len: text.chars().count(),
    };
    let e = p.or()?;
    if p.i < p.toks.len() {
        return err(format!("unexpected text at {}", p.at()));
    }
    Ok(e)
}

// ---------------------------------------------------------------------------------------
// JSON

fn json_operand(v: &Value) -> Parsed<Operand> {
    match v {
        Value::Object(o) if o.len() == 1 && o.contains_key("property") => o["property"]
            .as_str()
            .map(|p| Operand::Property(p.to_owned()))
            .ok_or_else(|| FilterError("a property name must be a string".into())),
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(Operand::Literal(v.clone())),
        _ => err(format!("{v} is not a property or a literal")),
    }
}

fn json_literal(v: &Value) -> Parsed<Value> {
    match v {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(v.clone()),
        _ => err(format!("{v} is not a literal")),
    }
}

fn json_geometry(v: &Value) -> Parsed<Geometry> {
    if let Some(b) = v.get("bbox").and_then(Value::as_array) {
        let n: Vec<f64> = b.iter().filter_map(Value::as_f64).collect();
        return match n.as_slice() {
            [a, b, c, d] => Ok(Geometry::rect([*a, *b, *c, *d])),
            _ => err("a bbox takes four numbers"),
        };
    }
    Geometry::parse(v).map_err(|_| FilterError(format!("{v} is not a valid geometry")))
}

/// Parses a CQL2 JSON filter.
pub fn parse_json(v: &Value) -> Parsed<Expr> {
    let op = v["op"]
        .as_str()
        .ok_or_else(|| FilterError("each expression needs an \"op\"".into()))?
        .to_ascii_lowercase();
    let args = v["args"]
        .as_array()
        .ok_or_else(|| FilterError(format!("{op} needs \"args\"")))?;
    let arg = |i: usize| {
        args.get(i)
            .ok_or_else(|| FilterError(format!("{op} needs {} arguments", i + 1)))
    };
    Ok(match op.as_str() {
        "and" | "or" => {
            let parts = args.iter().map(parse_json).collect::<Parsed<Vec<_>>>()?;
            if parts.len() < 2 {
                return err(format!("{op} needs two arguments or more"));
            }
            if op == "and" {
                Expr::And(parts)
            } else {
                Expr::Or(parts)
            }
        }
        "not" => Expr::Not(Box::new(parse_json(arg(0)?)?)),
        "=" | "<>" | "<" | "<=" | ">" | ">=" => {
            let cmp = match op.as_str() {
                "=" => Cmp::Eq,
                "<>" => Cmp::Ne,
                "<" => Cmp::Lt,
                "<=" => Cmp::Le,
                ">" => Cmp::Gt,
                _ => Cmp::Ge,
            };
            Expr::Compare(cmp, json_operand(arg(0)?)?, json_operand(arg(1)?)?)
        }
        "like" => match arg(1)? {
            Value::String(p) => Expr::Like(json_operand(arg(0)?)?, p.clone()),
            _ => return err("like takes a string pattern"),
        },
        "in" => {
            let list = arg(1)?
                .as_array()
                .ok_or_else(|| FilterError("in takes a list".into()))?
                .iter()
                .map(json_literal)
                .collect::<Parsed<Vec<_>>>()?;
            Expr::In(json_operand(arg(0)?)?, list)
        }
        "between" => Expr::Between(
            json_operand(arg(0)?)?,
            json_literal(arg(1)?)?,
            json_literal(arg(2)?)?,
        ),
        "isnull" => Expr::IsNull(json_operand(arg(0)?)?),
        "s_intersects" => {
            let (a, b) = (arg(0)?, arg(1)?);
            let literal = if a.get("property").is_some() { b } else { a };
            Expr::Intersects(json_geometry(literal)?)
        }
        other => return err(format!("the operator {other:?} is not supported")),
    })
}

// ---------------------------------------------------------------------------------------
// Checking and evaluating

impl Expr {
    /// The first property named that `known` does not list.
    pub fn unknown_property(&self, known: &dyn Fn(&str) -> bool) -> Option<String> {
        let check = |o: &Operand| match o {
            Operand::Property(p) if !known(p) => Some(p.clone()),
            _ => None,
        };
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().find_map(|e| e.unknown_property(known)),
            Expr::Not(e) => e.unknown_property(known),
            Expr::Compare(_, a, b) => check(a).or_else(|| check(b)),
            Expr::Like(a, _) | Expr::In(a, _) | Expr::Between(a, ..) | Expr::IsNull(a) => check(a),
            Expr::Intersects(_) => None,
        }
    }

    /// Whether a feature with `props` and `geometry` matches.
    pub fn matches(
        &self,
        props: &Map<String, Value>,
        geometry: &dyn Fn() -> Option<Geometry>,
    ) -> bool {
        let value = |o: &Operand| match o {
            Operand::Property(p) => props.get(p).cloned().unwrap_or(Value::Null),
            Operand::Literal(v) => v.clone(),
        };
        match self {
            Expr::And(v) => v.iter().all(|e| e.matches(props, geometry)),
            Expr::Or(v) => v.iter().any(|e| e.matches(props, geometry)),
            Expr::Not(e) => !e.matches(props, geometry),
            Expr::Compare(op, a, b) => compare(&value(a), &value(b)).is_some_and(|o| match op {
                Cmp::Eq => o.is_eq(),
                Cmp::Ne => o.is_ne(),
                Cmp::Lt => o.is_lt(),
                Cmp::Le => o.is_le(),
                Cmp::Gt => o.is_gt(),
                Cmp::Ge => o.is_ge(),
            }),
            Expr::Like(a, pattern) => value(a).as_str().is_some_and(|s| like(s, pattern)),
            Expr::In(a, list) => {
                let v = value(a);
                list.iter()
                    .any(|l| compare(&v, l).is_some_and(|o| o.is_eq()))
            }
            Expr::Between(a, low, high) => {
                let v = value(a);
                compare(&v, low).is_some_and(|o| o.is_ge())
                    && compare(&v, high).is_some_and(|o| o.is_le())
            }
            Expr::IsNull(a) => value(a).is_null(),
            Expr::Intersects(g) => geometry().is_some_and(|f| f.intersects(g)),
        }
    }
}

/// Orders two values of one kind (numbers by value, strings by code point, booleans);
/// values of different kinds are not comparable and make the predicate false.
fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// SQL-style `LIKE`: `%` any run, `_` one character, `\` escapes.
fn like(s: &str, pattern: &str) -> bool {
    fn go(s: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('%', rest)) => (0..=s.len()).any(|i| go(&s[i..], rest)),
            Some(('_', rest)) => !s.is_empty() && go(&s[1..], rest),
            Some(('\\', rest)) if !rest.is_empty() => {
                s.first() == Some(&rest[0]) && go(&s[1..], &rest[1..])
            }
            Some((c, rest)) => s.first() == Some(c) && go(&s[1..], rest),
        }
    }
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    go(&s, &p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props() -> Map<String, Value> {
        json!({ "use": "耕地", "area_m2": 1200, "name": "城关区土地宗地7", "grade": null })
            .as_object()
            .cloned()
            .expect("object")
    }

    fn eval(text: &str) -> bool {
        let square = Geometry::rect([91.0, 29.0, 91.2, 29.2]);
        parse_text(text)
            .unwrap_or_else(|e| panic!("{text}: {e:?}"))
            .matches(&props(), &|| Some(square.clone()))
    }

    #[test]
    fn text_filters_read_as_the_standard_writes_them() {
        assert!(eval("use = '耕地'"));
        assert!(eval("\"use\" = '耕地' AND area_m2 > 1000"));
        assert!(!eval("area_m2 < 1000 OR use <> '耕地'"));
        assert!(eval("NOT (area_m2 < 1000)"));
        assert!(eval("name LIKE '城关%宗地_'"));
        assert!(eval("name NOT LIKE '堆龙%'"));
        assert!(eval("use IN ('宅基地', '耕地')"));
        assert!(eval("area_m2 BETWEEN 1000 AND 1500"));
        assert!(eval("area_m2 NOT BETWEEN 1 AND 2"));
        assert!(eval("grade IS NULL AND use IS NOT NULL"));
        assert!(eval("S_INTERSECTS(geometry, POINT(91.1 29.1))"));
        assert!(eval("s_intersects(geometry, BBOX(91.1, 29.1, 92, 30))"));
        assert!(!eval(
            "S_INTERSECTS(geometry, POLYGON((92 30, 93 30, 93 31, 92 30)))"
        ));
        assert!(eval("use = 'it''s' OR TRUE = TRUE"));
        assert!(!eval("area_m2 = '1200'"), "a number is not a string");
    }

    #[test]
    fn json_filters_mean_the_same() {
        let square = Geometry::rect([91.0, 29.0, 91.2, 29.2]);
        let f = json!({ "op": "and", "args": [
            { "op": "=", "args": [{ "property": "use" }, "耕地"] },
            { "op": "between", "args": [{ "property": "area_m2" }, 1000, 1500] },
            { "op": "s_intersects", "args": [{ "property": "geometry" }, { "type": "Point", "coordinates": [91.1, 29.1] }] },
            { "op": "not", "args": [{ "op": "isNull", "args": [{ "property": "use" }] }] },
            { "op": "in", "args": [{ "property": "use" }, ["耕地"]] },
            { "op": "like", "args": [{ "property": "name" }, "%宗地%"] }
        ] });
        assert!(
            parse_json(&f)
                .expect("parsed")
                .matches(&props(), &|| Some(square.clone()))
        );
        assert!(parse_json(&json!({ "op": "s_crosses", "args": [] })).is_err());
    }

    #[test]
    fn mistakes_are_named_with_their_place() {
        for bad in [
            "",
            "use =",
            "use = 'x",
            "use ~ 1",
            "(use = 1",
            "S_INTERSECTS(geometry, LINE(1 2))",
            "a BETWEEN 1 2",
            "a NOT = 1",
        ] {
            assert!(parse_text(bad).is_err(), "{bad}");
        }
        let e = parse_text("area_m2 > 1 AND colour = 'red'").expect("parsed");
        assert_eq!(
            e.unknown_property(&|p| ["area_m2", "use"].contains(&p)),
            Some("colour".to_owned())
        );
    }
}
