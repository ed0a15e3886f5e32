//! The knowledge base on every backend: a department's clerk drafts, its approver publishes,
//! and then agents and the public find the article by Chinese words, Tibetan syllables and
//! Wylie; a draft, an expired or a retired article is found by no one; stale articles are
//! flagged to their keepers; a closed consultation becomes a draft; every refusal is audited
//! and changes nothing.

mod common;

use common::{call, citizen, count, key, official, seeded};
use time::macros::datetime;
use ui::error::HttpError;
use yiwang_hotline::model::{ArticleState, Stale};
use yiwang_hotline::service::intake::{self, NewTicket};
use yiwang_hotline::service::knowledge::index::Knowledge;
use yiwang_hotline::service::knowledge::{self, ArticleForm};

fn marriage() -> ArticleForm {
    ArticleForm {
        department: "540102-civil-affairs".into(),
        category: "marriage".into(),
        title_zh: "办理结婚登记需要带什么材料".into(),
        body_zh: "双方本人的居民户口簿和居民身份证，以及三张二寸近期半身免冠合影照片。".into(),
        title_bo: "གཉེན་སྒྲིག་ཐོ་འགོད་ལ་དགོས་པའི་ཡིག་ཆ།".into(),
        body_bo: "ཕྱོགས་གཉིས་ཀྱི་ཐེམ་ཐོ་དང་ཐོབ་ཐང་ལག་ཁྱེར།".into(),
        review_by: "2026-12-31".into(),
        ..ArticleForm::default()
    }
}

async fn articles(db: &db::Db) -> i64 {
    count(db, "SELECT COUNT(*) FROM hotline_articles").await
}

db::on_each_backend! {
    async fn a_department_drafts_approves_and_everyone_finds_its_article(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let kb = Knowledge::new();
        let clerk = official(db, "clerk.chengguan").await;
        let approver = official(db, "approver.chengguan").await;
        let agent = official(db, "agent.12345").await;
        let other = official(db, "approver.security").await;

        let a = knowledge::draft(db, &clerk, &marriage()).await.expect("drafted");
        assert_eq!(a.state, ArticleState::Draft);
        // A draft is read by its keepers only, and searched by no one.
        assert!(kb.search(db, "结婚登记", 10).await.expect("search").articles.is_empty());
        assert_eq!(knowledge::article(db, None, a.id).await.expect_err("public").code(), "not-found");
        assert_eq!(knowledge::article(db, Some(&other), a.id).await.expect_err("another department").code(), "forbidden");
        knowledge::article(db, Some(&agent), a.id).await.expect("the hotline reads drafts");
        // Another department's official may neither draft for it nor approve it.
        let e = knowledge::draft(db, &other, &marriage()).await.expect_err("not theirs");
        assert_eq!(e.code(), "forbidden");
        let e = knowledge::approve(db, &clerk, a.id).await.expect_err("a clerk does not approve");
        assert_eq!(e.code(), "forbidden");
        let e = knowledge::approve(db, &agent, a.id).await.expect_err("an agent does not approve");
        assert_eq!(e.code(), "forbidden");

        let published = knowledge::approve(db, &approver, a.id).await.expect("approved");
        assert_eq!(published.state, ArticleState::Published);
        assert_eq!(published.approved_by.as_deref(), Some(approver.id().as_str()));
        let e = knowledge::approve(db, &approver, a.id).await.expect_err("twice");
        assert_eq!(key(&e), "hotline-article-not-draft");

        // Found by Chinese words, Tibetan syllables and Wylie; the public reads it.
        for typed in ["结婚登记 材料", "结婚要带什么", "ཡིག་ཆ", "gnyen sgrig", "jiehun dengji"] {
            let found = kb.search(db, typed, 10).await.expect("search");
            assert_eq!(found.articles.first().map(|x| x.id), Some(a.id), "{}: {typed}", t.name());
        }
        knowledge::article(db, None, a.id).await.expect("public");
        // Another matter matches no article strongly (a shared character at most).
        assert_eq!(kb.search(db, "营业执照", 10).await.expect("search").strong, 0);

        // A published article is changed by its approvers only; the change is searched at once.
        let mut changed = marriage();
        changed.body_zh.push_str("户籍地不在本市的，另带户籍证明。");
        let e = knowledge::edit(db, &clerk, a.id, &changed).await.expect_err("the clerk");
        assert_eq!(e.code(), "forbidden");
        knowledge::edit(db, &approver, a.id, &changed).await.expect("edited");
        let found = kb.search(db, "户籍证明", 10).await.expect("search");
        assert_eq!(found.articles.first().map(|x| x.id), Some(a.id));

        // Stale: past its review date it is flagged to its keepers, and still shown.
        db.clock().set_now(datetime!(2027-01-04 10:00 +8));
        let kept = knowledge::kept(db, &clerk, 50).await.expect("kept");
        let mine = kept.iter().find(|k| k.article.id == a.id).expect("listed");
        assert_eq!(mine.stale, vec![Stale::ReviewOverdue]);
        let theirs = knowledge::kept(db, &other, 50).await.expect("theirs");
        assert!(!theirs.is_empty() && theirs.iter().all(|k| k.article.department == "540102-public-security"));
        assert_eq!(knowledge::kept(db, &citizen(db).await, 50).await.expect_err("a citizen").code(), "forbidden");
        assert_eq!(kb.search(db, "结婚登记", 10).await.expect("search").articles.len(), 1);

        // Retired: found by no one.
        knowledge::retire(db, &approver, a.id).await.expect("retired");
        assert!(kb.search(db, "结婚登记", 10).await.expect("search").articles.is_empty());
        assert_eq!(knowledge::article(db, None, a.id).await.expect_err("retired").code(), "not-found");
        let e = knowledge::edit(db, &approver, a.id, &marriage()).await.expect_err("retired");
        assert_eq!(key(&e), "hotline-article-retired");
        for action in ["hotline.article.drafted", "hotline.article.published", "hotline.article.edited", "hotline.article.retired"] {
            assert_eq!(count(db, &format!("SELECT COUNT(*) FROM audit_events WHERE action = '{action}'")).await, 1, "{action}");
        }
    }

    async fn an_article_holds_only_between_its_days_and_needs_chinese_to_publish(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let kb = Knowledge::new();
        let manager = official(db, "manager.12345").await;
        let ending = ArticleForm {
            valid_from: "2026-06-01".into(),
            valid_until: "2026-06-30".into(),
            ..marriage()
        };
        let a = knowledge::draft(db, &manager, &ending).await.expect("drafted");
        knowledge::approve(db, &manager, a.id).await.expect("a hotline manager approves");
        assert_eq!(kb.search(db, "结婚登记", 10).await.expect("search").articles.len(), 1);
        db.clock().set_now(datetime!(2026-07-01 09:00 +8));
        assert!(kb.search(db, "结婚登记", 10).await.expect("search").articles.is_empty());
        assert_eq!(knowledge::article(db, None, a.id).await.expect_err("expired").code(), "not-found");
        let kept = knowledge::kept(db, &manager, 50).await.expect("kept");
        let ended = kept.iter().find(|k| k.article.id == a.id).expect("listed");
        assert_eq!(ended.stale, vec![Stale::Expired]);
        // The demo's article without Tibetan is flagged.
        assert!(kept.iter().any(|k| k.stale == vec![Stale::NoTibetan]));
        // The demo's articles are found in the three languages.
        for typed in ["身份证到期", "ལག་ཁྱེར", "identity card", "shenfenzheng"] {
            let found = kb.search(db, typed, 10).await.expect("search");
            let first = found.articles.first().map(|x| x.department.as_str());
            assert_eq!(first, Some("540102-public-security"), "{typed}");
        }

        // Drafted in Tibetan only: kept, but not published until it has its Chinese.
        let tibetan = ArticleForm {
            title_zh: String::new(),
            body_zh: String::new(),
            ..marriage()
        };
        let b = knowledge::draft(db, &manager, &tibetan).await.expect("a Tibetan draft");
        let e = knowledge::approve(db, &manager, b.id).await.expect_err("no Chinese");
        assert_eq!(key(&e), "hotline-article-chinese-missing");
        assert_eq!(knowledge::article(db, Some(&manager), b.id).await.expect("read").state, ArticleState::Draft);
    }

    async fn bad_articles_are_refused_whole_audited_and_store_nothing(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let before = articles(db).await;
        let refusals = || count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'hotline.refused'");
        let refused_before = refusals().await;
        let bad = ArticleForm {
            department: "540102-civil-affairs".into(),
            category: "no-such-category".into(),
            valid_from: "2026-07-01".into(),
            valid_until: "2026-06-01".into(),
            review_by: "next year".into(),
            title_en: "x".repeat(201),
            ..ArticleForm::default()
        };
        let e = knowledge::draft(db, &agent, &bad).await.expect_err("bad");
        let yiwang_hotline::HotlineError::Invalid(problems) = &e else { panic!("{e:?}") };
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["title_zh", "body_zh", "title_en", "category", "review_by", "valid_until"], "{}", t.name());
        let e = knowledge::draft(db, &agent, &ArticleForm { department: "no-such-department".into(), ..marriage() }).await.expect_err("unknown");
        assert_eq!(key(&e), "hotline-department-unknown");
        assert_eq!(articles(db).await, before);
        assert_eq!(refusals().await, refused_before + 2);
        let citizen = citizen(db).await;
        assert_eq!(knowledge::draft(db, &citizen, &marriage()).await.expect_err("a citizen").code(), "forbidden");
        assert_eq!(articles(db).await, before);
        assert!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'authz.refused'").await >= 1);
    }

    async fn a_consultation_answered_becomes_a_draft_for_its_department(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let answered = intake::create(db, &agent, &NewTicket {
            answer: "带上双方的户口簿和身份证，到城关区民政局婚姻登记处办理。".into(),
            ..call("consult", "marriage", "请问结婚登记要带什么？周末能办吗")
        }).await.expect("answered on the spot");
        let a = knowledge::from_ticket(db, &agent, answered.id).await.expect("drafted");
        assert_eq!(a.state, ArticleState::Draft);
        assert_eq!(a.department, "540102-civil-affairs", "{}", t.name());
        assert_eq!(a.title.zh, "请问结婚登记要带什么");
        assert!(a.body.zh.starts_with("带上双方"));
        assert_eq!(a.source_ticket, Some(answered.id));
        // The department approves it.
        let approver = official(db, "approver.chengguan").await;
        knowledge::approve(db, &approver, a.id).await.expect("approved");

        // A complaint, or a consultation still open, does not become an article.
        let open = intake::create(db, &agent, &call("complaint", "marriage", "婚姻登记处排队太久")).await.expect("taken");
        let e = knowledge::from_ticket(db, &agent, open.id).await.expect_err("not a consultation");
        assert_eq!(key(&e), "hotline-article-not-consultation");
        let security = official(db, "approver.security").await;
        let e = knowledge::from_ticket(db, &security, answered.id).await.expect_err("not theirs");
        assert_eq!(e.code(), "forbidden");
    }
}
