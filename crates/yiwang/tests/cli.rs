//! The command line as an operator uses it: bad input gets one clear message naming the file,
//! line and field, a non-zero exit, and changes nothing.

use std::path::PathBuf;
use std::process::{Command, Output};

use db::testing;

fn yiwang(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yiwang"))
        .args(args)
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("YIWANG_CONFIG")
        .env("YIWANG_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts the command's output holds `what`, showing the output when it does not.
#[track_caller]
fn shows(out: &Output, what: &str) {
    let text = text(out);
    assert!(text.contains(what), "expected {what:?} in: {text}");
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yiwang-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn a_malformed_config_file_is_named_with_its_line_and_field() {
    let config = temp("yiwang.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:9000\"\nlisten_port = 9\n").expect("write");
    let db = config.with_file_name("never.db");
    let url = format!("sqlite://{}", db.display());
    let out = yiwang(&[
        "--config",
        config.to_str().expect("path"),
        "migrate",
        "--create",
        "--database-url",
        &url,
    ]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(
        msg.contains("yiwang.toml:2") && msg.contains("listen_port"),
        "{msg}"
    );
    assert!(!db.exists(), "nothing was created");
}

#[test]
fn unknown_unreachable_and_mistyped_databases_are_refused() {
    let out = yiwang(&["migrate", "--database-url", "mysql://root@localhost/db"]);
    assert!(!out.status.success());
    shows(&out, "unsupported database URL");
    let typo = temp("typo.db");
    let url = format!("sqlite://{}", typo.display());
    let out = yiwang(&["serve", "--database-url", &url, "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success());
    shows(&out, "does not exist");
    assert!(!typo.exists(), "a typo never creates a database");
    let out = yiwang(&[
        "migrate",
        "--database-url",
        "postgres://nobody@127.0.0.1:1/none",
    ]);
    assert!(!out.status.success());
    shows(
        &out,
        "cannot connect to the database at postgres://nobody@127.0.0.1:1/none",
    );
    let out = yiwang(&["serve", "--listen", "localhost"]);
    assert!(!out.status.success());
    shows(&out, "--listen");
}

fn event_count(out: &Output) -> String {
    text(out).split_whitespace().nth(3).unwrap_or("").to_owned()
}

db::on_each_backend! {
    async fn a_corrupt_calendar_or_division_file_changes_nothing_on_every_backend(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let before = yiwang(&["audit", "verify", "--database-url", t.url()]);
        assert!(before.status.success(), "{}: {}", t.name(), text(&before));
        let bad_calendar = temp("2027-000000.toml");
        std::fs::write(&bad_calendar, "division = \"000000\"\nyear = 2027\ncomplete = true\nsource = \"x\"\n[[holidays]]\nname = \"元旦\"\nfrom = \"2027-01-01\"\nto = \"2026-12-31\"\n").expect("write");
        let out = yiwang(&[
            "calendar",
            "load",
            bad_calendar.to_str().expect("path"),
            "--database-url",
            t.url(),
        ]);
        assert!(!out.status.success());
        let msg = text(&out);
        assert!(
            msg.contains("2027-000000.toml:8") && msg.contains("to"),
            "{}: {msg}",
            t.name()
        );
        let bad_csv = temp("townships.csv");
        std::fs::write(&bad_csv, "code,parent,name_zh,name_bo,name_en\n540102001000,540102,八廓街道,,\n540102002000,540199,吉日街道,,\n").expect("write");
        let out = yiwang(&[
            "import",
            "divisions",
            bad_csv.to_str().expect("path"),
            "--database-url",
            t.url(),
        ]);
        assert!(!out.status.success());
        assert!(
            text(&out).contains("townships.csv:3: parent"),
            "{}: {}",
            t.name(),
            text(&out)
        );
        let after = yiwang(&["audit", "verify", "--database-url", t.url()]);
        assert_eq!(
            event_count(&before),
            event_count(&after),
            "{}: no event was written",
            t.name()
        );
        let code = kernel::DivisionCode::parse("540102001000").expect("code");
        assert_eq!(org::store::division(&t.db, code).await.expect("read"), None);

        let good_calendar = temp("2027-000000.toml");
        std::fs::write(&good_calendar, "division = \"000000\"\nyear = 2027\ncomplete = true\nsource = \"x\"\n[[holidays]]\nname = \"元旦\"\nfrom = \"2027-01-01\"\nto = \"2027-01-01\"\n").expect("write");
        let out = yiwang(&[
            "calendar",
            "load",
            good_calendar.to_str().expect("path"),
            "--database-url",
            t.url(),
        ]);
        assert!(out.status.success(), "{}: {}", t.name(), text(&out));
        let good_csv = temp("townships.csv");
        std::fs::write(
            &good_csv,
            "code,parent,name_zh,name_bo,name_en\n540102001000,540102,八廓街道,,Barkhor\n",
        )
        .expect("write");
        let out = yiwang(&[
            "import",
            "divisions",
            good_csv.to_str().expect("path"),
            "--database-url",
            t.url(),
        ]);
        assert!(out.status.success(), "{}: {}", t.name(), text(&out));
        assert!(text(&out).contains("1 new"));
        t.close().await;
    }
}

db::on_each_backend! {
    async fn audit_verify_exits_1_naming_the_first_edited_event(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        t.allow_audit_tampering().await;
        db::sqlx::query("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2")
            .execute(t.db.pool())
            .await
            .expect("tamper");
        let out = yiwang(&["audit", "verify", "--database-url", t.url()]);
        assert_eq!(out.status.code(), Some(1), "{}: {}", t.name(), text(&out));
        assert!(
            text(&out).contains("event 2 was edited"),
            "{}: {}",
            t.name(),
            text(&out)
        );
        t.close().await;
    }
}

#[test]
fn migrate_creates_only_when_asked_and_is_idempotent() {
    let file = temp("fresh.db");
    let url = format!("sqlite://{}", file.display());
    let out = yiwang(&["migrate", "--database-url", &url]);
    assert!(!out.status.success() && !file.exists());
    let out = yiwang(&["migrate", "--create", "--database-url", &url]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("applied 0001 foundation"));
    let again = yiwang(&["migrate", "--database-url", &url]);
    assert!(
        again.status.success() && !text(&again).contains("applied"),
        "{}",
        text(&again)
    );
}

fn get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// Starts `yiwang demo` with `args` on a free port; returns the child, the port and the
/// Tibetan home page once it answers.
fn start_demo(args: &[&str]) -> (std::process::Child, u16, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_yiwang"))
        .arg("demo")
        .args(args)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("YIWANG_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("demo starts");
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(60) {
        if let Some(page) = get(port, "/?lang=bo") {
            return (child, port, page);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the demo does not answer");
}

/// SIGTERM to a child; whether it exited 0.
fn terminate(child: &mut std::process::Child) -> std::process::ExitStatus {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    child.wait().expect("exit")
}

#[test]
fn the_demo_serves_and_shuts_down_cleanly_on_sigterm() {
    let data = temp("data");
    let (mut child, port, home) = start_demo(&["--data", data.to_str().expect("path")]);
    assert!(
        home.starts_with("HTTP/1.1 200") && home.contains("བོད་ལྗོངས་"),
        "{home}"
    );
    assert!(data.join("yiwang.db").exists() && data.join("admin-password").exists());
    let status = terminate(&mut child);
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
    let mut printed = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut printed)
        .expect("read");
    assert!(
        printed.contains(&format!("http://127.0.0.1:{port}/")) && printed.contains("admin"),
        "{printed}"
    );
}

db::on_each_backend! {
    async fn officials_are_created_from_the_command_line_on_every_backend(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        org::seed::seed_demo(&t.db).await.expect("departments");
        let bad = yiwang(&[
            "official",
            "add",
            "--login",
            "dawa",
            "--name-zh",
            "达瓦",
            "--department",
            "540102-civil-affairs",
            "--roles",
            "approver@549999",
            "--database-url",
            t.url(),
        ]);
        assert!(!bad.status.success());
        assert!(text(&bad).contains("roles"), "{}: {}", t.name(), text(&bad));
        let out = yiwang(&[
            "official",
            "add",
            "--login",
            "dawa",
            "--name-zh",
            "达瓦",
            "--department",
            "540102-civil-affairs",
            "--roles",
            "window-clerk@540102",
            "--database-url",
            t.url(),
        ]);
        assert!(out.status.success(), "{}: {}", t.name(), text(&out));
        assert!(text(&out).contains("initial password, shown once: "));
        let roles = yiwang(&[
            "official",
            "roles",
            "dawa",
            "--roles",
            "approver@540102,window-clerk@540102",
            "--database-url",
            t.url(),
        ]);
        shows(&roles, "dawa now holds: approver@540102, window-clerk@540102");
        let bad_roles = yiwang(&[
            "official",
            "roles",
            "dawa",
            "--roles",
            "boss@540102",
            "--database-url",
            t.url(),
        ]);
        assert!(!bad_roles.status.success());
        shows(&bad_roles, "roles");
        let reset = yiwang(&["official", "reset-totp", "dawa", "--database-url", t.url()]);
        assert!(reset.status.success(), "{}", text(&reset));
        let nobody = yiwang(&[
            "official",
            "reset-totp",
            "nobody",
            "--database-url",
            t.url(),
        ]);
        assert!(!nobody.status.success());
        t.close().await;
    }
}

db::on_each_backend! {
    async fn systems_are_registered_and_keys_rotated_from_the_command_line_on_every_backend(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let bad = yiwang(&[
            "client",
            "add",
            "Tax Portal",
            "--name-zh",
            "",
            "--public",
            "--grants",
            "client_credentials,password",
            "--redirect-uri",
            "http://tax.example.gov.cn/cb",
            "--database-url",
            t.url(),
        ]);
        assert!(!bad.status.success());
        let msg = text(&bad);
        for field in ["--grants", "client_id", "name_zh", "redirect_uris"] {
            assert!(msg.contains(field), "{}: {field} in {msg}", t.name());
        }
        let out = yiwang(&[
            "client",
            "add",
            "tax-portal",
            "--name-zh",
            "税务服务",
            "--redirect-uri",
            "https://tax.example.gov.cn/cb",
            "--scopes",
            "openid,profile",
            "--first-party",
            "--database-url",
            t.url(),
        ]);
        assert!(out.status.success(), "{}: {}", t.name(), text(&out));
        assert!(text(&out).contains("its secret, shown once: "));
        let list = yiwang(&["client", "list", "--database-url", t.url()]);
        assert!(text(&list).contains("tax-portal\tconfidential\tauthorization_code,refresh_token"));
        let again = yiwang(&[
            "client",
            "add",
            "tax-portal",
            "--name-zh",
            "税务",
            "--redirect-uri",
            "https://tax.example.gov.cn/cb",
            "--database-url",
            t.url(),
        ]);
        assert!(!again.status.success());
        assert!(text(&again).contains("already registered"));
        let rotate = yiwang(&["keys", "rotate", "--database-url", t.url()]);
        assert!(rotate.status.success(), "{}", text(&rotate));
        let keys: i64 =
            db::sqlx::query_scalar("SELECT COUNT(*) FROM oidc_keys WHERE retired_at IS NULL")
                .fetch_one(t.db.pool())
                .await
                .expect("keys");
        assert_eq!(keys, 2, "one RS256 and one ES256 key sign");
        t.close().await;
    }
}

#[test]
fn a_master_key_that_is_not_128_bits_of_hex_is_refused_and_never_printed() {
    let db = temp("never.db");
    let out = Command::new(env!("CARGO_BIN_EXE_yiwang"))
        .args(["migrate", "--create", "--database-url"])
        .arg(format!("sqlite://{}", db.display()))
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("YIWANG_CONFIG")
        .env("YIWANG_MASTER_KEY", "not-a-key-secret-words")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(
        msg.contains("master_key") && msg.contains("32 hex digits"),
        "{msg}"
    );
    assert!(
        !msg.contains("not-a-key-secret-words"),
        "the value is never echoed"
    );
    assert!(!db.exists());
}

db::on_each_backend! {
    async fn the_catalogue_exports_and_imports_from_the_command_line_on_every_backend(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        org::seed::seed_demo(&t.db).await.expect("departments");
        let n = catalog::seed::seed_demo(&t.db).await.expect("catalogue");
        // The command line checks the certificate types materials name against those that
        // exist.
        certs::seed::seed_types(&t.db).await.expect("certificate types");
        let csv = temp("catalog.csv");
        let out = yiwang(&[
            "catalog",
            "export",
            "--format",
            "csv",
            "--out",
            csv.to_str().expect("path"),
            "--database-url",
            t.url(),
        ]);
        assert!(out.status.success(), "{}", text(&out));
        let out = yiwang(&[
            "catalog",
            "import",
            csv.to_str().expect("path"),
            "--database-url",
            t.url(),
        ]);
        assert!(out.status.success(), "{}", text(&out));
        shows(&out, &format!("0 new versions (in review), {n} unchanged"));

        // A JSON file with a bad time limit and an unknown division: both named, nothing in.
        let json = csv.with_file_name("catalog.json");
        let out = yiwang(&[
            "catalog",
            "export",
            "--out",
            json.to_str().expect("path"),
            "--database-url",
            t.url(),
        ]);
        assert!(out.status.success(), "{}", text(&out));
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("json");
        doc["items"][0]["promised_days"] = 999.into();
        doc["items"][3]["divisions"] = serde_json::json!(["549999"]);
        std::fs::write(&json, doc.to_string()).expect("write");
        let out = yiwang(&[
            "catalog",
            "import",
            json.to_str().expect("path"),
            "--publish",
            "--database-url",
            t.url(),
        ]);
        assert!(!out.status.success());
        let msg = text(&out);
        assert!(msg.contains("record 1: promised_days"), "{msg}");
        assert!(msg.contains("record 4: divisions"), "{msg}");
        assert!(msg.contains("nothing was imported"), "{msg}");
        let versions: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM catalog_versions")
            .fetch_one(t.db.pool())
            .await
            .expect("count");
        assert_eq!(versions as usize, n, "{}: nothing imported", t.name());
    }
}

#[test]
fn synthetic_registries_are_seeded_into_empty_registries_only() {
    let dir = temp("seed").with_file_name("");
    let data = dir.join("data");
    let out = yiwang(&[
        "seed",
        "--data",
        data.to_str().expect("path"),
        "--persons",
        "1500",
        "--entities",
        "700",
        "--features",
        "900",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    for line in [
        "1500 synthetic persons loaded",
        "700 synthetic entities loaded",
        "900 synthetic features loaded",
        "the database takes",
    ] {
        assert!(text(&out).contains(line), "{line}: {}", text(&out));
    }
    let again = yiwang(&[
        "seed",
        "--data",
        data.to_str().expect("path"),
        "--persons",
        "10",
    ]);
    assert!(!again.status.success());
    shows(&again, "already holds 1500 records");
}

/// `yiwang cert verify FILE --keys KEYS` offline: a genuine file passes (exit 0); an altered
/// field, an unknown key and a file that is not a certificate are each named (exit 1).
#[tokio::test]
async fn an_exported_certificate_is_verified_offline_from_the_command_line() {
    let t = testing::sqlite().await;
    let db = t.db.clone().with_sealer(
        kernel::crypto::Sealer::from_hex("00112233445566778899aabbccddeeff").expect("key"),
    );
    org::seed::seed_demo(&db).await.expect("org");
    certs::seed::seed_demo(&db).await.expect("certificates");
    let (person, ..) = identity::seed::demo_people()[0];
    let c = certs::service::usable_of(&db, person.as_str())
        .await
        .expect("certs")
        .remove(0);
    let keys: Vec<serde_json::Value> = certs::keys::published(&db)
        .await
        .expect("keys")
        .iter()
        .map(|k| serde_json::json!({ "id": k.id, "department": k.department, "public_key": k.public_key, "created_at": k.created_at }))
        .collect();
    let file = temp("cert.json");
    let keys_file = file.with_file_name("keys.json");
    std::fs::write(&keys_file, serde_json::json!({ "keys": keys }).to_string()).expect("keys");
    let export = certs::service::export(&c);
    std::fs::write(&file, export.to_string()).expect("file");
    let arg = |p: &PathBuf| p.display().to_string();
    let ok = yiwang(&["cert", "verify", &arg(&file), "--keys", &arg(&keys_file)]);
    assert!(ok.status.success(), "{}", text(&ok));
    shows(&ok, "genuine");

    let mut altered = export.clone();
    altered["certificate"]["holder"] = "某人".into();
    std::fs::write(&file, altered.to_string()).expect("file");
    let bad = yiwang(&["cert", "verify", &arg(&file), "--keys", &arg(&keys_file)]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    shows(&bad, "altered");

    std::fs::write(&file, export.to_string()).expect("file");
    std::fs::write(&keys_file, r#"{"keys": []}"#).expect("keys");
    let unknown = yiwang(&["cert", "verify", &arg(&file), "--keys", &arg(&keys_file)]);
    assert_eq!(unknown.status.code(), Some(1));
    shows(&unknown, "not among the published keys");

    std::fs::write(&file, "{}").expect("file");
    let junk = yiwang(&["cert", "verify", &arg(&file), "--keys", &arg(&keys_file)]);
    assert_eq!(junk.status.code(), Some(1));
    shows(&junk, "not a Yiwang certificate file");
}

/// An operator's backup and restore on SQLite: the copy is written while the database is
/// open, checked, restored into an empty data directory, and holds what was there; a backup
/// never overwrites a file and a restore never overwrites a database.
#[tokio::test]
async fn a_sqlite_database_is_backed_up_and_restored() {
    let dir = temp("data");
    std::fs::create_dir_all(&dir).expect("dir");
    let source = dir.join("yiwang.db");
    let db = db::Db::open(&db::DbUrl::Sqlite(source.clone()), true)
        .await
        .expect("db");
    db::migrate::run(&db).await.expect("migrated");
    org::seed::seed_demo(&db).await.expect("org");
    let departments: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM departments")
        .fetch_one(db.pool())
        .await
        .expect("count");
    let url = format!("sqlite://{}", source.display());
    let out = dir.with_file_name("backup.db");
    let arg = |p: &PathBuf| p.display().to_string();
    let made = yiwang(&["backup", "--out", &arg(&out), "--database-url", &url]);
    assert!(made.status.success(), "{}", text(&made));
    shows(&made, "audit chain intact");
    let again = yiwang(&["backup", "--out", &arg(&out), "--database-url", &url]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "never overwrites: {}",
        text(&again)
    );

    let restored = dir.with_file_name("restored");
    let back = yiwang(&["restore", &arg(&out), "--data", &arg(&restored)]);
    assert!(back.status.success(), "{}", text(&back));
    let copy = db::Db::open(&db::DbUrl::Sqlite(restored.join("yiwang.db")), false)
        .await
        .expect("restored db");
    let n: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM departments")
        .fetch_one(copy.pool())
        .await
        .expect("count");
    assert_eq!(n, departments);
    copy.close().await;
    let over = yiwang(&["restore", &arg(&out), "--data", &arg(&restored)]);
    assert_eq!(over.status.code(), Some(1), "{}", text(&over));
    db.close().await;
}

/// Empty PostgreSQL databases for a test (when the test run has a server): the server's
/// connection and the new databases' names and URLs. [`drop_databases`] removes them.
async fn scratch_databases(prefix: &str, n: usize) -> Option<(db::Db, Vec<(String, String)>)> {
    let admin_url = std::env::var("YIWANG_TEST_POSTGRES_URL").ok()?;
    let admin = db::Db::open(&db::DbUrl::Postgres(admin_url.clone()), false)
        .await
        .expect("admin");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b)
        .to_owned();
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let mut made = Vec::new();
    for i in 0..n {
        let name = format!("{prefix}_{}_{i}", &tag[..12]);
        db::sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(admin.pool())
            .await
            .expect("create database");
        made.push((name.clone(), format!("{base}/{name}")));
    }
    Some((admin, made))
}

async fn drop_databases(admin: db::Db, made: &[(String, String)]) {
    for (name, _) in made {
        db::sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(admin.pool())
            .await
            .expect("drop database");
    }
    admin.close().await;
}

/// `demo --database-url` fills an empty PostgreSQL database with the demo and serves it; a
/// second start finds it filled.
#[tokio::test]
async fn the_demo_fills_and_serves_a_postgres_database_named_by_its_flag() {
    let Some((admin, made)) = scratch_databases("yw_demo", 1).await else {
        return;
    };
    let url = made[0].1.clone();
    let data = temp("pg-demo");
    let args = [
        "--data",
        data.to_str().expect("path"),
        "--database-url",
        url.as_str(),
    ];
    let mut outcome = Vec::new();
    for _ in 0..2 {
        let (mut child, port, home) = start_demo(&args);
        let centres = get(port, "/api/v1/centres").unwrap_or_default();
        let status = terminate(&mut child);
        outcome.push((home, centres, status));
    }
    let db = db::Db::open(&db::DbUrl::Postgres(url.clone()), false)
        .await
        .expect("the demo database");
    let accounts: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(db.pool())
        .await
        .expect("accounts");
    db.close().await;
    drop_databases(admin, &made).await;
    for (home, centres, status) in &outcome {
        assert!(home.starts_with("HTTP/1.1 200"), "{home}");
        assert!(
            centres.starts_with("HTTP/1.1 200") && centres.contains("540102"),
            "{centres}"
        );
        assert!(status.success(), "{status}");
    }
    assert!(accounts > 0, "the demo sign-ins are in PostgreSQL");
    assert!(
        !data.join("yiwang.db").exists(),
        "no SQLite file is made when a database is named"
    );
}

/// The same on PostgreSQL (when the test run has one): `pg_dump` while it serves, and
/// `pg_restore` into an empty database, migrations and the audit chain checked.
#[tokio::test]
async fn a_postgres_database_is_backed_up_and_restored() {
    let Some((admin, made)) = scratch_databases("yw_bk", 2).await else {
        return;
    };
    let (url_from, url_to) = (made[0].1.clone(), made[1].1.clone());
    let migrated = yiwang(&["migrate", "--database-url", &url_from]);
    assert!(migrated.status.success(), "{}", text(&migrated));
    let out = temp("yiwang.dump");
    let dumped = yiwang(&[
        "backup",
        "--out",
        &out.display().to_string(),
        "--database-url",
        &url_from,
    ]);
    let back = yiwang(&[
        "restore",
        &out.display().to_string(),
        "--database-url",
        &url_to,
    ]);
    drop_databases(admin, &made).await;
    assert!(dumped.status.success(), "{}", text(&dumped));
    assert!(back.status.success(), "{}", text(&back));
    shows(&back, "audit chain intact");
}
