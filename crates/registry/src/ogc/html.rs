//! Every OGC resource as a page (Part 1 /conf/html): headings, column names and each link's
//! words by its relation, in the reader's language.

use serde_json::Value;

/// A link's words in the reader's language, by its relation (its JSON title otherwise).
pub(super) fn link_label(ctx: &ui::Ctx, l: &Value) -> String {
    let key = match l["rel"].as_str().unwrap_or("") {
        "self" => "geo-rel-self",
        "alternate" => "geo-rel-alternate",
        "next" => "geo-rel-next",
        "service-desc" => "geo-rel-service-desc",
        "service-doc" => "geo-rel-service-doc",
        "conformance" => "geo-rel-conformance",
        "data" => "geo-rel-data",
        "items" => "geo-rel-items",
        "collection" => "geo-rel-collection",
        "http://www.opengis.net/def/rel/ogc/1.0/queryables" => "geo-rel-queryables",
        _ => return l["title"].as_str().unwrap_or("").to_owned(),
    };
    ctx.t(key)
}

/// The HTML representation of a JSON answer of `/ogc` (Part 1 /conf/html): its title and
/// description, the layers, the conformance classes, a page of features as a table, one
/// feature's properties, a layer's queryables, and every link — those to JSON resources
/// followed as pages (`f=html`). The web layer calls it for `f=html` or a browser's
/// `Accept: text/html`, so every resource has it at its own address.
pub fn html_page(ctx: &ui::Ctx, path: &str, doc: &Value) -> maud::Markup {
    let here = path.trim_end_matches('/');
    use maud::html;
    let as_page = |href: &str, kind: &str| -> String {
        if kind.contains("json") && !kind.contains("openapi") {
            let sep = if href.contains('?') { '&' } else { '?' };
            format!("{href}{sep}f=html")
        } else {
            href.to_owned()
        }
    };
    let title = doc["title"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| doc["properties"]["name"].as_str().map(str::to_owned))
        .unwrap_or_else(|| match doc["type"].as_str() {
            Some("FeatureCollection") => ctx.t("geo-count"),
            _ if doc.get("conformsTo").is_some() => ctx.t("geo-html-conformance"),
            _ if doc.get("collections").is_some() => ctx.t("geo-layer"),
            _ => ctx.t("geo-title"),
        });
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let features = doc["features"].as_array().cloned().unwrap_or_default();
    let columns: Vec<String> = features
        .first()
        .and_then(|f| f["properties"].as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let body = html! {
        h1 { (title) }
        @if let Some(d) = doc["description"].as_str() { p { (d) } }
        @if let Some(cs) = doc["collections"].as_array() {
            ul { @for c in cs {
                li { a href=(format!("{here}/{}?f=html", text(&c["id"]))) { (text(&c["title"])) } " " code { (text(&c["id"])) } }
            } }
        }
        @if let Some(cs) = doc["conformsTo"].as_array() {
            ul { @for c in cs { li { code { (text(c)) } } } }
        }
        @if let Some(e) = doc["extent"]["spatial"]["bbox"][0].as_array() {
            p { (ctx.t("geo-html-extent")) ": " code { (e.iter().map(text).collect::<Vec<_>>().join(", ")) } }
        }
        @if doc["type"] == "FeatureCollection" {
            p { (ctx.t("geo-count")) ": " (features.len()) }
            div.table-wrap { table {
                thead { tr { th { (ctx.t("geo-html-id")) } @for c in &columns { th { (c) } } } }
                tbody { @for f in &features { tr {
                    td { a href=(format!("{here}/{}?f=html", text(&f["id"]))) { (text(&f["id"])) } }
                    @for c in &columns { td { (text(&f["properties"][c])) } }
                } } }
            } }
        }
        @if doc["type"] == "Feature" {
            dl.facts {
                dt { (ctx.t("geo-html-id")) } dd { (text(&doc["id"])) }
                @if let Some(props) = doc["properties"].as_object() {
                    @for (k, v) in props { dt { (k) } dd { (text(v)) } }
                }
                dt { (ctx.t("geo-geometry")) } dd { (text(&doc["geometry"]["type"])) " · bbox " code { (doc["bbox"].as_array().map(|b| b.iter().map(text).collect::<Vec<_>>().join(", ")).unwrap_or_default()) } }
            }
        }
        @if doc["type"] == "object" {
            @if let Some(props) = doc["properties"].as_object() {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("geo-html-property")) } th { (ctx.t("geo-html-type")) } th { (ctx.t("geo-html-meaning")) } } }
                    tbody { @for (k, v) in props { tr { td { code { (k) } } td { (text(&v["type"])) (text(&v["format"])) } td { (text(&v["title"])) } } } }
                } }
            }
        }
        @if let Some(links) = doc["links"].as_array() {
            h2 { (ctx.t("geo-html-links")) }
            ul { @for l in links {
                li { a href=(as_page(l["href"].as_str().unwrap_or(""), l["type"].as_str().unwrap_or(""))) { (link_label(ctx, l)) } " " code { (text(&l["rel"])) } }
            } }
        }
    };
    ui::layout::page(ctx, &title, body)
}
