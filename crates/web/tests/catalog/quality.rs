//! The search query set (`catalog/data/search-queries.tsv`: what citizens and enterprises
//! type, each with the item it should find) through the portal's search, on every backend.
//! The figures are printed; run with `--nocapture` to read them and the misses.

use super::*;

common::stories! { app_on;
    async fn search_finds_what_people_type(app) {
        let searcher = catalog::search::Searcher::new();
        let report = catalog::search::quality::evaluate(&app.db.db, &searcher)
            .await
            .expect("evaluate");
        eprintln!("{}: {report}", app.name());
        for (q, want, got) in &report.misses {
            eprintln!("  missed {q} (wants {want}): {got:?}");
        }
        assert!(report.queries >= 300, "{report}");
        assert!(report.top3_share() >= 0.95, "{report}");
        assert!(report.empty_share() < 0.02, "{report}");
    }

    async fn the_seeded_lexicon_checks_whole(app) {
        // Every seeded term passes the checks a steward's entry must pass, so none is
        // skipped when search reads them.
        let operator = identity::Principal::Operator("system:test");
        let (terms, unreadable) = catalog::search::lexicon::terms(&app.db.db, &operator)
            .await
            .expect("terms");
        assert!(terms.len() >= 200, "{} terms", terms.len());
        assert_eq!(unreadable, Vec::<String>::new());
        let lexicon = catalog::search::lexicon::load(&app.db.db).await.expect("load");
        for e in lexicon.entries() {
            assert_eq!(lexicon.loop_through(e), None, "{} loops", e.term);
        }
    }
}
