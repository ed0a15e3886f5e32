//! The OpenAPI 3.1 document of `/api/v1`, written by hand next to the routes it describes
//! (a test checks that every listed path answers).

use axum::Json;
use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use ui::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/openapi.json",
        get(|| async {
            let mut doc = document();
            if let Some(paths) = doc["paths"].as_object_mut() {
                for more in [
                    registry_paths(),
                    case_paths(),
                    cert_paths(),
                    oauth_paths(),
                    exchange_paths(),
                    halls::api::openapi_paths(),
                    hotline::api::openapi_paths(),
                    station_paths(),
                    pay::api::openapi_paths(),
                ] {
                    if let Value::Object(more) = more {
                        paths.extend(more);
                    }
                }
            }
            complete(&mut doc);
            Json(doc)
        }),
    )
}

/// The exchange's resource catalogue (for officials: a session) and its data requests.
fn exchange_paths() -> Value {
    let [limit, cursor] = paging();
    json!({
        "/api/v1/exchange/resources": { "get": {
            "summary": "The government information resource catalogue (GB/T 21063), for officials: the registries, geography layers and certificate types published from their definitions, and departments' registered resources, in code order",
            "parameters": [param("q", "Words in a resource's code, names, summary or data items (Chinese, Tibetan or English).", false), param("provider", "A department code, or a division code for all its departments.", false), param("kind", "base, theme or department.", false), param("form", "table, file, api or certificate.", false), param("sharing", "unconditional, conditional or not-shared.", false), param("item", "A data item's code or name.", false), limit, cursor],
            "responses": ok(json!({ "type": "object" }))
        } },
        "/api/v1/exchange/resources/{code}": { "get": {
            "summary": "One resource with its data items (the code's slash as ~ or %2F)",
            "parameters": [{ "name": "code", "in": "path", "required": true, "schema": { "type": "string" } }],
            "responses": ok(json!({ "type": "object" }))
        } },
        "/api/v1/exchange/requests": {
            "get": {
                "summary": "The data requests the caller plays a part in (as the requesting or providing department, the data authority or a supervisor), newest first",
                "responses": ok(json!({ "type": "object" }))
            },
            "post": {
                "summary": "Ask a providing department for items of a catalogue resource (an official's session, or a department system's token with the exchange grant). The data authority reviews within 3 working days; 422 names every problem at once and nothing is written",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["resource", "items", "purpose", "legal_basis", "scope", "retention_days", "valid_from", "valid_to"],
                    "properties": {
                        "resource": { "type": "string", "description": "The resource's code (101001/000001)." },
                        "items": { "type": "array", "items": { "type": "string" }, "description": "Data item keys." },
                        "purpose": { "type": "string" },
                        "legal_basis": { "type": "string" },
                        "service_items": { "type": "array", "items": { "type": "string" }, "description": "Basic codes of the service items it serves." },
                        "scope": { "type": "string", "description": "A division code." },
                        "retention_days": { "type": "integer", "minimum": 0, "maximum": 4294967295u64 },
                        "valid_from": { "type": "string", "description": "YYYY-MM-DD" },
                        "valid_to": { "type": "string", "description": "YYYY-MM-DD" }
                    } } } } },
                "responses": {
                    "201": { "description": "The request, in review, with its deadline", "content": { "application/json": { "schema": { "type": "object" } } } },
                    "400": { "$ref": "#/components/responses/Problem" },
                    "409": { "$ref": "#/components/responses/Problem" },
                    "422": { "$ref": "#/components/responses/Problem" }
                }
            }
        },
        "/api/v1/exchange/{resource}/{key}": { "get": {
            "summary": "The gateway: one record of a resource the calling department system holds a data grant for, for the grant's purpose; only the granted items, masked as granted, within the grant's division scope. Every call is a line of the hash-chained access log",
            "parameters": [
                { "name": "resource", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The resource's code, its slash as ~ (101001~000001)." },
                { "name": "key", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The record's key: an identity number or a credit code." },
                param("purpose", "The purpose the grant was given for.", true)
            ],
            "responses": ok(json!({ "type": "object" }))
        } },
        "/api/v1/exchange/{resource}": { "get": {
            "summary": "The gateway on a table or file resource: the records of its newest uploaded version that match a filter (every query parameter besides purpose, limit and cursor names a granted item and the value it must have; none: every record), a page at a time; only granted items, masked as granted, within the grant's scope. The call is a line of the access log",
            "parameters": [
                { "name": "resource", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The resource's code, its slash as ~ (301002~000005)." },
                param("purpose", "The purpose the grant was given for.", true),
                { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 100 } },
                param("cursor", "The `next` value of the previous page.", false)
            ],
            "responses": ok(json!({ "type": "object" }))
        } },
        "/api/v1/exchange/resources/{code}/versions": {
            "get": {
                "summary": "A department's table or file resource: its uploaded versions, newest first (who, when, how many records, the SM3 digest of the file)",
                "parameters": [{ "name": "code", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": ok(json!({ "type": "array", "items": { "type": "object" } }))
            },
            "post": {
                "summary": "Upload a new version of a table or file resource (the provider's system or a data steward of its division): CSV with the items' codes in its first line, or a JSON array of objects. Checked whole: 422 names every problem by line and column and nothing is kept; earlier versions stay",
                "parameters": [
                    { "name": "code", "in": "path", "required": true, "schema": { "type": "string" } },
                    param("note", "What this version is.", false)
                ],
                "requestBody": { "required": true, "content": {
                    "text/csv": { "schema": { "type": "string" } },
                    "application/json": { "schema": { "type": "array", "items": { "type": "object" } } }
                } },
                "responses": {
                    "201": { "description": "The version kept", "content": { "application/json": { "schema": { "type": "object" } } } },
                    "400": { "$ref": "#/components/responses/Problem" },
                    "404": { "$ref": "#/components/responses/Problem" },
                    "422": { "$ref": "#/components/responses/Problem" }
                }
            }
        },
        "/api/v1/exchange/grants/{id}/renew": { "post": {
            "summary": "The consuming department renews a data grant that is not revoked: a new request with the grant's ask for the period from the day after it ends until valid_to, on the same deadlines; its subscriptions follow the renewal once granted",
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                "required": ["valid_to"],
                "properties": { "valid_to": { "type": "string", "description": "YYYY-MM-DD" } } } } } },
            "responses": {
                "201": { "description": "The renewal request, in review", "content": { "application/json": { "schema": { "type": "object" } } } },
                "400": { "$ref": "#/components/responses/Problem" },
                "404": { "$ref": "#/components/responses/Problem" },
                "409": { "$ref": "#/components/responses/Problem" },
                "422": { "$ref": "#/components/responses/Problem" }
            }
        } },
        "/api/v1/exchange/requests/{id}": { "get": {
            "summary": "One data request with its steps: where it stands, who holds it and until when",
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
            "responses": ok(json!({ "type": "object" }))
        } },
        "/api/v1/exchange/subscriptions": {
            "get": {
                "summary": "The change subscriptions the caller's department made (or that use its resources), newest first; the data authority sees all",
                "responses": ok(json!({ "type": "object" }))
            },
            "post": {
                "summary": "Subscribe, under a data grant in force, to changes of granted items: each committed change is POSTed at least once, in order, signed (Yiwang-Signature: SM2 over method, path, time and the body's SM3), masked as granted, to the webhook. 422 names every problem and nothing is written",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["grant", "url"],
                    "properties": {
                        "grant": { "type": "integer", "description": "The data grant's id." },
                        "items": { "type": "array", "items": { "type": "string" }, "description": "Granted items whose changes to send; empty: all granted items." },
                        "url": { "type": "string", "description": "The webhook, https://host[:port]/path (or http://), or jetstream." }
                    } } } } },
                "responses": {
                    "201": { "description": "The subscription", "content": { "application/json": { "schema": { "type": "object" } } } },
                    "400": { "$ref": "#/components/responses/Problem" },
                    "409": { "$ref": "#/components/responses/Problem" },
                    "422": { "$ref": "#/components/responses/Problem" }
                }
            }
        },
        "/api/v1/exchange/subscriptions/{id}": { "get": {
            "summary": "One subscription with its delivery log (newest first) and counts by state; ?dead=1 for the dead letters only",
            "parameters": [
                { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } },
                param("dead", "1: only the dead letters.", false)
            ],
            "responses": ok(json!({ "type": "object" }))
        } },
        "/api/v1/exchange/subscriptions/{id}/{act}": { "post": {
            "summary": "The subscribing department resumes a suspended subscription, ends it, or puts its dead letters back in line",
            "parameters": [
                { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } },
                { "name": "act", "in": "path", "required": true, "schema": { "type": "string", "enum": ["resume", "end", "redeliver"] } }
            ],
            "responses": {
                "200": { "description": "The subscription after the act", "content": { "application/json": { "schema": { "type": "object" } } } },
                "400": { "$ref": "#/components/responses/Problem" },
                "404": { "$ref": "#/components/responses/Problem" },
                "409": { "$ref": "#/components/responses/Problem" }
            }
        } }
    })
}

/// How the catalogue's search read a query (`search::Reading`).
fn reading_schema() -> Value {
    let concept = json!({ "type": "object", "properties": {
        "word": { "type": "string" },
        "alts": { "type": "array", "items": { "type": "object", "properties": { "text": { "type": "string" }, "how": { "type": "string", "enum": ["typed", "synonym", "intent"] } } } }
    } });
    json!({ "type": ["object", "null"], "description": "How the query was read; null without one.", "properties": {
        "query": { "type": "string", "description": "The query in normal form." },
        "cut": { "type": "boolean", "description": "Whether the query was longer than is read." },
        "via": { "type": "string", "enum": ["typed", "pinyin", "wylie", "corrected"] },
        "read_as": { "type": ["string", "null"], "description": "The query as read, when not as typed." },
        "concepts": { "type": "array", "items": concept },
        "dropped": { "type": "array", "items": { "type": "string" }, "description": "Words that carry no meaning for matching." },
        "ignored": { "type": "array", "items": { "type": "string" }, "description": "Words no item holds." }
    } })
}

fn list_of(schema: &str) -> Value {
    json!({ "type": "object", "required": ["items", "total"], "properties": {
        "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{schema}") } },
        "total": { "type": "integer" },
        "next": { "type": "string", "description": "Cursor for the next page; absent on the last page." }
    } })
}

fn ok(schema: Value) -> Value {
    json!({
        "200": { "description": "OK", "content": { "application/json": { "schema": schema } } },
        "400": { "$ref": "#/components/responses/Problem" },
        "404": { "$ref": "#/components/responses/Problem" },
        "422": { "$ref": "#/components/responses/Problem" }
    })
}

fn param(name: &str, description: &str, required: bool) -> Value {
    json!({ "name": name, "in": "query", "required": required, "description": description, "schema": { "type": "string" } })
}

fn paging() -> [Value; 2] {
    [
        json!({ "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500, "default": 100 } }),
        param("cursor", "The `next` value of the previous page.", false),
    ]
}

/// What every operation can answer besides what it describes, added in one place so that no
/// operation forgets one: a path parameter named in the path is declared; an operation that
/// needs a token or a session also answers 401 (none, or not valid) and 403 (not this
/// caller's); one with a body also 413 (too large) and 415 (not its content type); the case
/// operations 403 and 409. Every refusal under `/api/` is problem+json
/// (`middleware::api_problems`).
fn complete(doc: &mut Value) {
    let problem = json!({ "$ref": "#/components/responses/Problem" });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let names: Vec<String> = path
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
            .collect();
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for (_, op) in ops.iter_mut() {
            let declared: Vec<String> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            for name in names.iter().filter(|n| !declared.contains(n)) {
                let schema = match name.as_str() {
                    "registry" => json!({ "type": "string", "enum": ["population", "entities"] }),
                    _ => json!({ "type": "string" }),
                };
                let p = json!({ "name": name, "in": "path", "required": true, "schema": schema });
                match op["parameters"].as_array_mut() {
                    Some(ps) => ps.insert(0, p),
                    None => op["parameters"] = json!([p]),
                }
            }
            if !path.starts_with("/api/") {
                continue;
            }
            let guarded = op.get("security").is_some()
                || path.starts_with("/api/v1/cases")
                || path.starts_with("/api/v1/exchange");
            let body = op.get("requestBody").is_some();
            let Some(responses) = op["responses"].as_object_mut() else {
                continue;
            };
            let mut add = |code: &str| {
                responses
                    .entry(code.to_owned())
                    .or_insert_with(|| problem.clone());
            };
            if guarded {
                add("401");
                add("403");
            }
            if path.starts_with("/api/v1/cases") || path.starts_with("/api/v1/exchange/") {
                add("409");
            }
            if body {
                add("413");
                add("415");
            }
        }
    }
}

/// The OpenID Connect provider's endpoints (their errors are RFC 6749 JSON, not problem
/// documents, as OAuth clients expect).
fn oauth_paths() -> Value {
    let oauth_error = json!({ "description": "An OAuth error (RFC 6749 §5.2)", "content": { "application/json": { "schema": { "type": "object", "required": ["error"], "properties": {
        "error": { "type": "string" }, "error_description": { "type": "string" } } } } } });
    let json_ok = |d: &str| json!({ "description": d, "content": { "application/json": { "schema": { "type": "object" } } } });
    let form = |required: Value, props: Value| json!({ "required": true, "content": { "application/x-www-form-urlencoded": { "schema": { "type": "object", "required": required, "properties": props } } } });
    json!({
        "/.well-known/openid-configuration": { "get": {
            "summary": "OpenID Connect discovery (OpenID Connect Discovery 1.0)",
            "responses": { "200": json_ok("The provider's metadata") }
        } },
        "/oauth2/jwks": { "get": {
            "summary": "The provider's public signing keys (RFC 7517), current and recently retired",
            "responses": { "200": json_ok("A JWK set") }
        } },
        "/oauth2/token": { "post": {
            "summary": "The token endpoint: authorization_code (with PKCE), refresh_token (rotated; a replay revokes the grant's tokens) and client_credentials",
            "description": "Clients authenticate with HTTP Basic (client_secret_basic) or client_id/client_secret in the body; public clients with client_id and PKCE.",
            "requestBody": form(json!(["grant_type"]), json!({
                "grant_type": { "type": "string", "enum": ["authorization_code", "refresh_token", "client_credentials"] },
                "code": { "type": "string" }, "redirect_uri": { "type": "string" }, "code_verifier": { "type": "string" },
                "refresh_token": { "type": "string" }, "scope": { "type": "string" },
                "client_id": { "type": "string" }, "client_secret": { "type": "string" } })),
            "responses": { "200": json_ok("Tokens"), "400": oauth_error.clone(), "401": oauth_error.clone() }
        } },
        "/oauth2/userinfo": { "get": {
            "summary": "Claims about the person an access token was issued for",
            "security": [{ "bearer": [] }],
            "responses": { "200": json_ok("Claims"), "401": oauth_error.clone(), "403": oauth_error.clone() }
        } },
        "/oauth2/introspect": { "post": {
            "summary": "Token introspection (RFC 7662), for confidential clients",
            "requestBody": form(json!(["token"]), json!({ "token": { "type": "string" }, "token_type_hint": { "type": "string" },
                "client_id": { "type": "string" }, "client_secret": { "type": "string" } })),
            "responses": { "200": json_ok("{\"active\": …}"), "400": oauth_error.clone(), "401": oauth_error.clone() }
        } },
        "/oauth2/revoke": { "post": {
            "summary": "Token revocation (RFC 7009): a refresh token with its grant, or an access token",
            "requestBody": form(json!(["token"]), json!({ "token": { "type": "string" }, "token_type_hint": { "type": "string" },
                "client_id": { "type": "string" }, "client_secret": { "type": "string" } })),
            "responses": { "200": { "description": "Revoked, or unknown (not an error)" }, "400": oauth_error.clone(), "401": oauth_error }
        } }
    })
}

/// The document.
pub fn document() -> Value {
    let [limit, cursor] = paging();
    let code_path = |name: &str| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Yiwang API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "JSON API of the Yiwang government service platform. Errors are RFC 9457 problem documents; their `detail` follows Accept-Language (zh, bo, en)."
        },
        "paths": {
            "/api/v1/divisions": { "get": {
                "summary": "Administrative divisions (GB/T 2260 and 12-digit statistical codes)",
                "parameters": [param("parent", "Only the divisions directly below this code.", false), param("level", "province, prefecture, county, township or village.", false), { "name": "include_retired", "in": "query", "schema": { "type": "boolean" } }, limit, cursor],
                "responses": ok(list_of("Division"))
            } },
            "/api/v1/divisions/{code}": { "get": {
                "summary": "One division with its lineage and the divisions below it",
                "parameters": [code_path("code")],
                "responses": ok(json!({ "$ref": "#/components/schemas/Division" }))
            } },
            "/api/v1/departments": { "get": {
                "summary": "Government departments",
                "parameters": [param("division", "Within this division's subtree.", false), param("kind", "Department kind, e.g. market-regulation.", false), param("q", "Name contains.", false)],
                "responses": ok(list_of("Department"))
            } },
            "/api/v1/centres": { "get": {
                "summary": "Government service centres and stations with their windows",
                "parameters": [param("division", "Within this division's subtree.", false), param("kind", "centre or station.", false), param("q", "Name contains.", false), limit.clone(), cursor.clone()],
                "responses": ok(list_of("Centre"))
            } },
            "/api/v1/centres/{code}": { "get": {
                "summary": "One centre",
                "parameters": [code_path("code")],
                "responses": ok(json!({ "$ref": "#/components/schemas/Centre" }))
            } },
            "/api/v1/items": { "get": {
                "summary": "The published catalogue of government service items, searched and filtered",
                "description": "Search is ranked, not filtered: every item holding part of the query is a candidate, scored (BM25F) over names, pinyin initials, tags, materials and the rest of the guide, with synonyms, intents and words that carry no meaning from the stewards' search terms. The first `strong` of `total` match every word; the rest match some. When nothing matched, the query may have been read as pinyin or corrected: `reading` says how. `next` is an offset cursor.",
                "parameters": [param("q", "What a person typed: Chinese, Tibetan or English words, full pinyin (with or without spaces and tones) or initials; at most 120 characters are read.", false), param("department", "Implementing department code.", false), param("level", "province, prefecture or county.", false), param("division", "Within this division's subtree.", false), param("object", "person, entity or both.", false), param("depth", "information, forms, online-application or fully-online.", false), param("event", "A life-event tag, e.g. open-restaurant.", false), param("one_trip", "true: at most one visit.", false), param("basic", "Only the implementations of this standardized item (basic code).", false), param("collapse", "true: one row per standardized item, with `places`.", false), param("sort", "relevance (the default) or name: by name in the language asked for (Accept-Language or lang), Tibetan in dictionary order, Chinese in pinyin order.", false), limit.clone(), cursor.clone()],
                "responses": ok({
                    let mut l = list_of("ItemSummary");
                    l["required"] = json!(["items", "total", "strong"]);
                    l["properties"]["strong"] = json!({ "type": "integer", "description": "How many of `total` match every word of the query (all of them without a query)." });
                    l["properties"]["reading"] = reading_schema();
                    l["properties"]["place"] = json!({ "type": ["object", "null"], "description": "A place named in the query (拉萨, Lhasa), taken as the place filter when none was given; its name is not searched as a word.", "properties": { "name": { "type": "string" }, "code": { "type": "string" } } });
                    l
                })
            } },
            "/api/v1/items/stats": { "get": {
                "summary": "Catalogue statistics, live: items, shares online, fully online, one trip, in the centre; materials per item and the share the platform obtains itself",
                "parameters": [param("by", "department (default), level or division.", false), param("division", "Within this division's subtree.", false)],
                "responses": ok(json!({ "type": "object" }))
            } },
            "/api/v1/items/{code}": { "get": {
                "summary": "One item's published version, every standard field (its implementation code)",
                "parameters": [code_path("code")],
                "responses": ok(json!({ "type": "object" }))
            } },
            "/api/v1/lists/{name}": { "get": {
                "summary": "A published list (清单): power, public-service, one-trip or on-site",
                "description": "The same lists are pages at /lists/{name} and CSV at /lists/{name}.csv (UTF-8 with a byte-order mark).",
                "parameters": [{ "name": "name", "in": "path", "required": true, "schema": { "type": "string", "enum": ["power", "public-service", "one-trip", "on-site"] } }, param("level", "province, prefecture or county.", false), param("division", "Within this division's subtree.", false)],
                "responses": ok(list_of("ItemSummary"))
            } },
            "/api/v1/lists/centre/{code}": { "get": {
                "summary": "A centre's or station's convenience services (便民服务清单)",
                "description": "Also a page at /lists/centre/{code} and CSV at /lists/centre/{code}.csv.",
                "parameters": [code_path("code")],
                "responses": ok(list_of("ItemSummary"))
            } },
            "/api/v1/bundles": { "get": {
                "summary": "Life-event bundles (一件事): the standardized items of each",
                "responses": ok(json!({ "type": "array" }))
            } },
            "/api/v1/bundles/{code}": { "get": {
                "summary": "One bundle resolved for a place: each item's serving implementation, the materials of the whole event counted once, the longest time limit, the most visits",
                "parameters": [{ "name": "code", "in": "path", "required": true, "schema": { "type": "string" } }, param("division", "The place (division code); each item resolves to its own office, else the nearest above.", false)],
                "responses": ok(json!({ "type": "object" }))
            } },
            "/api/v1/catalog/export": { "get": {
                "summary": "The whole published catalogue, to import again without loss",
                "description": "JSON is {\"items\": [item…]}; CSV has an `item` row per item followed by its `material` rows, lists one entry per line in a cell. `yiwang catalog import` and /manage/import read both.",
                "parameters": [param("format", "json (default) or csv.", false)],
                "responses": ok(json!({ "type": "object" }))
            } },
            "/api/v1/calendar/due": { "get": {
                "summary": "The date a time limit of N working days ends",
                "parameters": [param("from", "Day zero, YYYY-MM-DD.", true), param("days", "Working days, 0-3650.", true), param("division", "Division whose holidays apply (default 540000).", false)],
                "responses": ok(json!({ "type": "object", "properties": { "from": { "type": "string" }, "days": { "type": "integer" }, "division": { "type": "string" }, "due": { "type": "string", "format": "date" }, "warnings": { "type": "array" } } }))
            } },
            "/api/v1/calendar/between": { "get": {
                "summary": "Working days after `from` up to and including `to`",
                "parameters": [param("from", "YYYY-MM-DD", true), param("to", "YYYY-MM-DD", true), param("division", "Division whose holidays apply (default 540000).", false)],
                "responses": ok(json!({ "type": "object", "properties": { "working_days": { "type": "integer" }, "warnings": { "type": "array" } } }))
            } },
            "/api/v1/identifiers/check": { "post": {
                "summary": "Check a resident identity number (GB 11643) or a unified social credit code (GB 32100)",
                "description": "Exactly one of the two fields. A malformed identifier is not an error of the request: the answer says `valid: false` and what is wrong, in the caller's language.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": { "person_id": { "type": "string" }, "credit_code": { "type": "string" } } } } } },
                "responses": ok(json!({ "type": "object", "properties": {
                    "valid": { "type": "boolean" }, "normalized": { "type": "string" }, "gender": { "type": "string" },
                    "birth_date": { "type": "string" }, "division": { "type": "string" }, "org_type": { "type": "string" },
                    "error": { "type": "object", "properties": { "code": { "type": "string" }, "message": { "type": "string" } } }
                } }))
            } },
            "/api/v1/calendar/years": { "get": {
                "summary": "Loaded holiday arrangements by division and year",
                "responses": ok(json!({ "type": "object" }))
            } }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "An access token from /oauth2/token with grant_type=client_credentials." } },
            "responses": { "Problem": { "description": "RFC 9457 problem", "content": { "application/problem+json": { "schema": { "type": "object", "properties": {
                "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" }, "detail": { "type": "string" }, "code": { "type": "string" }
            } } } } } },
            "schemas": {
                "Names": { "type": "object", "properties": { "zh": { "type": "string" }, "bo": { "type": "string", "description": "Empty while unknown." }, "en": { "type": "string" } } },
                "Division": { "type": "object", "properties": {
                    "code": { "type": "string" }, "parent": { "type": ["string", "null"] }, "level": { "type": "string" },
                    "names": { "$ref": "#/components/schemas/Names" }, "retired_in": { "type": ["integer", "null"] },
                    "successor": { "type": ["string", "null"] }, "origin": { "type": "string" }, "needs_tibetan_name": { "type": "boolean" }
                } },
                "Department": { "type": "object", "properties": {
                    "code": { "type": "string" }, "division": { "type": "string" }, "credit_code": { "type": ["string", "null"] },
                    "kind": { "type": "string" }, "names": { "$ref": "#/components/schemas/Names" }
                } },
                "ItemSummary": { "type": "object", "properties": {
                    "code": { "type": "string" }, "basic_code": { "type": "string" }, "name": { "type": "string", "description": "In the caller's language, Chinese where unknown." },
                    "name_zh": { "type": "string" }, "name_bo": { "type": "string" }, "name_en": { "type": "string" }, "item_type": { "type": "string" },
                    "department": { "type": "string" }, "level": { "type": "string" }, "division": { "type": "string" }, "service_object": { "type": "string" },
                    "online_depth": { "type": "string" }, "visits": { "type": "integer" }, "promised_days": { "type": "integer" },
                    "materials": { "type": "integer" }, "obtainable_materials": { "type": "integer" },
                    "places": { "type": "integer", "description": "Implementations this row stands for (with collapse=true)." }
                } },
                "Centre": { "type": "object", "properties": {
                    "code": { "type": "string" }, "division": { "type": "string" }, "kind": { "type": "string" },
                    "names": { "$ref": "#/components/schemas/Names" }, "address": { "$ref": "#/components/schemas/Names" },
                    "hours": { "type": "string" }, "phone": { "type": "string" },
                    "windows": { "type": "array", "items": { "type": "object", "properties": { "number": { "type": "string" }, "category": { "type": "string" } } } }
                } }
            }
        }
    })
}

/// The registry API for department systems (in its own function: one `json!` this deep
/// would exceed the macro recursion limit).
fn registry_paths() -> Value {
    let view = json!({ "type": "object", "properties": { "key": { "type": "string" }, "fields": { "type": "array", "items": { "type": "object", "properties": {
        "field": { "type": "string" }, "value": { "type": "string" }, "masked": { "type": "boolean" }, "class": { "type": "string" },
        "source": { "type": "string" }, "updated_at": { "type": "string" }, "flagged": { "type": "boolean" } } } } } });
    json!({
            "/api/v1/registry/{registry}/{key}": {
                "get": {
                    "summary": "Read a record of a base registry for a stated purpose (logged; what the data grant serving the call gives, as it gives it)",
                    "description": "`registry` is `population` (key: identity number) or `entities` (key: credit code or any legacy code). Needs a client-credentials access token of a system granted the registry (`yiwang registry grant`). The answer holds the fields the system's department owns, in clear, and the items of the data grant that serves the call — the system's standing grant, or one an exchange request gave its department for the purpose stated — each in clear, masked or as the grant's pseudonym, for records within the grant's divisions; other fields are left out. With neither, 403 `not-granted` says why.",
                    "security": [{ "bearer": [] }],
                    "parameters": [param("purpose", "Why the record is read; recorded where the person can see it.", true)],
                    "responses": ok(view)
                },
                "post": {
                    "summary": "Update fields the granted department owns (all or nothing)",
                    "security": [{ "bearer": [] }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["changes", "reference"], "properties": {
                        "changes": { "type": "object", "additionalProperties": { "type": "string" } }, "reference": { "type": "string", "description": "The case or batch the change comes from." } } } } } },
                    "responses": ok(json!({ "type": "object", "properties": { "changed": { "type": "integer" } } }))
                }
            },
            "/api/v1/registry/{registry}/{key}/observations": { "post": {
                "summary": "Report values of fields another department owns; disagreements are flagged for the owner (多源校核)",
                "security": [{ "bearer": [] }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["observations"], "properties": {
                    "observations": { "type": "object", "additionalProperties": { "type": "string" } }, "reference": { "type": "string" } } } } } },
                "responses": ok(json!({ "type": "object", "properties": { "flagged": { "type": "integer" }, "agreed": { "type": "integer" } } }))
            } },
            "/api/v1/registry/{registry}/batches": { "post": {
                "summary": "A CSV batch of updates: the key column, then fields the department owns; every row checked before any is written",
                "security": [{ "bearer": [] }],
                "parameters": [param("reference", "The batch's name, kept with every change.", true)],
                "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } } } },
                "responses": ok(json!({ "type": "object", "properties": { "rows": { "type": "integer" }, "changed": { "type": "integer" } } }))
            } }
    })
}

/// The case API (`cases::api`), for the mobile front ends and officials' tools, with the
/// signed-in session's cookie.
/// The county's view of its stations' work applying on villagers' behalf (帮办代办).
fn station_paths() -> Value {
    let problem = json!({ "$ref": "#/components/responses/Problem" });
    let count = json!({ "type": "integer" });
    json!({
        "/api/v1/centres/{centre}/stations/workload": { "get": {
            "summary": "For a supervisor or an administrator over a centre's division: each service station below it with the consents its clerks recorded in the last 30 days, how many made a case, the cases they made still open, overdue among them, and results waiting at the station",
            "parameters": [{ "name": "centre", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The centre's code (540102-zwfw)." }],
            "responses": {
                "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object", "required": ["centre", "since", "stations"], "properties": {
                    "centre": { "type": "string" },
                    "since": { "type": "string", "description": "The start of the period, an RFC 3339 instant." },
                    "stations": { "type": "array", "items": { "type": "object", "properties": {
                        "code": { "type": "string" }, "name": { "type": "string" },
                        "consents": count, "applied": count, "open": count, "overdue": count, "waiting": count
                    } } }
                } } } } },
                "401": problem, "403": problem, "404": problem
            }
        } }
    })
}

fn case_paths() -> Value {
    let id =
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } });
    let revision = json!({ "revision": { "type": "integer", "description": "The case's revision as last seen; a change made meanwhile makes this a 409 `stale`." } });
    let conflict = json!({ "$ref": "#/components/responses/Problem" });
    let with_conflict = |schema: Value| {
        let mut r = ok(schema);
        r["401"] = conflict.clone();
        r["409"] = json!({ "description": "Not allowed in the case's state (`state-conflict`, with `state` and `action`), lost to a concurrent change (`stale`), or refused by a rule (`refused`)." });
        r
    };
    let state = json!({ "type": "object", "properties": { "state": { "type": "string" } } });
    let submitted = json!({ "type": "object", "properties": { "id": { "type": "integer" }, "number": { "type": "string" }, "created": { "type": "boolean" } } });
    let mut submitted_responses = with_conflict(submitted.clone());
    submitted_responses["201"] = json!({ "description": "Submitted: a new case", "content": { "application/json": { "schema": submitted } } });
    json!({
        "/api/v1/cases": {
            "get": { "summary": "The signed-in person's cases, newest change first", "responses": with_conflict(json!({ "type": "object" })) },
            "post": {
                "summary": "Submit an application (一表申请): fields the platform knows are filled in when left out; materials the registries hold are waived",
                "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string" }, "description": "The same key from the same account returns the first case (200) instead of making another (201)." }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["item"], "properties": {
                    "item": { "type": "string", "description": "The published item's implementation code." },
                    "values": { "type": "object", "additionalProperties": { "type": "string" } },
                    "applies": { "type": "array", "items": { "type": "integer" }, "description": "Conditional materials (by index) that apply." },
                    "materials": { "type": "array", "items": { "type": "object", "required": ["index", "content_base64"], "properties": {
                        "index": { "type": "integer" }, "file_name": { "type": "string" }, "content_type": { "type": "string" }, "content_base64": { "type": "string", "description": "PDF, PNG or JPEG, at most 10 MB." } } } },
                    "idempotency_key": { "type": "string" } } } } } },
                "responses": submitted_responses
            }
        },
        "/api/v1/cases/{id}": { "get": {
            "summary": "A case with its materials, timeline and documents (its applicant, or a window clerk or approver over its division)",
            "parameters": [id],
            "responses": with_conflict(json!({ "type": "object" }))
        } },
        "/api/v1/cases/{id}/notice": { "post": {
            "summary": "The one-time notice (一次告知) of everything missing; one per case",
            "parameters": [id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["missing"], "properties": {
                "revision": revision["revision"], "missing": { "type": "array", "items": { "type": "object", "properties": { "what": { "type": "string", "description": "`materials.N` or a field." }, "reason": { "type": "string" } } } } } } } } },
            "responses": with_conflict(state.clone())
        } },
        "/api/v1/cases/{id}/accept": { "post": {
            "summary": "Accept the case (受理): the due date by the working-day calendar; the first stage's tasks open",
            "parameters": [id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": revision } } } },
            "responses": with_conflict(json!({ "type": "object", "properties": { "state": { "type": "string" }, "due_date": { "type": "string" } } }))
        } },
        "/api/v1/cases/{id}/refuse-to-accept": { "post": {
            "summary": "Refuse to accept (不予受理) with a reason from the list and words for the applicant",
            "parameters": [id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["reason", "text"], "properties": {
                "revision": revision["revision"], "reason": { "type": "string", "enum": ["not-in-scope", "not-eligible", "not-supplemented", "other"] }, "text": { "type": "string" } } } } } },
            "responses": with_conflict(state.clone())
        } },
        "/api/v1/cases/{id}/withdraw": { "post": {
            "summary": "The applicant withdraws the case before a decision",
            "parameters": [id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": { "reason": { "type": "string" } } } } } },
            "responses": with_conflict(state)
        } },
        "/api/v1/department/tasks": { "get": {
            "summary": "A department system's open tasks (its `cases` grant: the department's kind within its division), nearest deadline first",
            "security": [{ "bearer": [] }],
            "responses": with_conflict(json!({ "type": "object" }))
        } },
        "/api/v1/department/cases/{id}": { "get": {
            "summary": "A case the system's department handles or has a task in, with its tasks, materials and timeline",
            "security": [{ "bearer": [] }],
            "parameters": [id],
            "responses": with_conflict(json!({ "type": "object" }))
        } },
        "/api/v1/department/cases/{id}/accept": { "post": {
            "summary": "The department's system accepts a case its department handles",
            "security": [{ "bearer": [] }],
            "parameters": [id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": revision } } } },
            "responses": with_conflict(json!({ "type": "object", "properties": { "state": { "type": "string" }, "due_date": { "type": "string" } } }))
        } },
        "/api/v1/department/tasks/{id}/decision": { "post": {
            "summary": "Decide one of the department's tasks: approve, or refuse (which ends the case); an opinion is required",
            "security": [{ "bearer": [] }],
            "parameters": [id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["approve", "opinion"], "properties": {
                "revision": { "type": "integer", "description": "The task's revision as last seen." }, "approve": { "type": "boolean" }, "opinion": { "type": "string" } } } } } },
            "responses": with_conflict(json!({ "type": "object", "properties": { "task": { "type": "integer" }, "led_to": { "type": "string", "enum": ["waiting", "next-stage", "approved", "refused"] } } }))
        } }
    })
}

/// The certificates' paths: public verification, keys and types; the sharing interface for
/// department systems.
fn cert_paths() -> Value {
    let identifier = json!({ "name": "identifier", "in": "path", "required": true, "schema": { "type": "string" }, "description": "1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check> (GB/T 36904)." });
    let purpose = json!({ "name": "purpose", "in": "query", "required": true, "schema": { "type": "string" }, "description": "Why the certificate is used; recorded where its holder sees it." });
    let problem = json!({ "$ref": "#/components/responses/Problem" });
    let answers = |schema: Value| {
        let mut r = ok(schema);
        r["404"] = problem.clone();
        r["422"] = json!({ "description": "A malformed identifier or a wrong check character (no lookup is made)." });
        r
    };
    json!({
        "/api/v1/certs/verify/{identifier}": { "get": {
            "summary": "Verify a certificate, for anyone: genuine or not, its standing (valid, expired, suspended, revoked, replaced), and what its holder chose to disclose",
            "parameters": [identifier],
            "responses": answers(json!({ "type": "object", "properties": { "genuine": { "type": "boolean" }, "standing": { "type": "string" } } }))
        } },
        "/api/v1/certs/keys": { "get": {
            "summary": "Every department's SM2 public keys, current and retired (PEM and SEC1 hex), for offline verification",
            "responses": ok(json!({ "type": "object" }))
        } },
        "/api/v1/certs/types": { "get": {
            "summary": "The certificate types (GB/T 36902): code, names, fields, holder kind, validity",
            "responses": ok(json!({ "type": "object" }))
        } },
        "/api/v1/certs/holders/{holder_code}": { "get": {
            "summary": "A department system reads a holder's usable certificates, verified, with their data (a `certs` grant); each is recorded in its use log",
            "security": [{ "bearer": [] }],
            "parameters": [{ "name": "holder_code", "in": "path", "required": true, "schema": { "type": "string" } }, { "name": "type", "in": "query", "required": false, "schema": { "type": "string" } }, purpose],
            "responses": answers(json!({ "type": "object" }))
        } },
        "/api/v1/certs/{identifier}": { "get": {
            "summary": "A department system reads and verifies one certificate with its data (a `certs` grant); recorded in its use log",
            "security": [{ "bearer": [] }],
            "parameters": [identifier, purpose],
            "responses": answers(json!({ "type": "object" }))
        } },
        "/api/v1/items/stats/in-cases": { "get": {
            "summary": "Materials of submitted cases, and the shares an electronic certificate or a base registry stood in for",
            "responses": ok(json!({ "type": "object" }))
        } }
    })
}
