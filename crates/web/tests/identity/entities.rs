//! Entities: the legal representative and the agents they authorise.

use super::*;

common::stories! { app_on;
    async fn a_legal_representative_authorises_an_agent_who_acts_for_the_entity_without_their_password(app) {
        let company = identity::seed::demo_credit_code(0).expect("code");
        let coop = identity::seed::demo_credit_code(1).expect("code");
        let tashi = app
            .post_form(
                "/signin",
                &format!("account=13908900001&password={PASSWORD}"),
                None,
            )
            .await
            .session_cookie()
            .expect("tashi");
        let claimed = app
            .post_form(
                "/me/entities/claim?lang=en",
                &format!("credit_code={company}"),
                Some(&tashi),
            )
            .await;
        assert_eq!(
            claimed.status,
            StatusCode::OK,
            "{}: {}",
            app.name(),
            claimed.body
        );
        assert!(
            claimed.body.contains("拉萨净土青稞食品有限公司")
                && claimed.body.contains("Legal representative")
        );
        let not_his = app
            .post_form(
                "/me/entities/claim?lang=en",
                &format!("credit_code={coop}"),
                Some(&tashi),
            )
            .await;
        assert_eq!(not_his.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            not_his
                .body
                .contains("does not record you as the legal representative")
        );
        let typo = app
            .post_form(
                "/me/entities/claim?lang=en",
                "credit_code=91110000600037341N",
                Some(&tashi),
            )
            .await;
        typo.shows("should be L but is N");

        // 卓玛 registers, and is made an agent until tomorrow.
        let dolma = demo_id("540602", "19850315", "024");
        let res = app
            .post_form(
                "/register",
                &registration(&dolma, "卓玛", "13908960024", "a long passphrase"),
                None,
            )
            .await;
        let dolma_cookie = res.session_cookie().expect("dolma");
        let tomorrow =
            kernel::time_util::format_date(app.db.db.clock().today().next_day().expect("tomorrow"));
        let past = app
            .post_form(
                &format!("/me/entities/{company}/agents?lang=en"),
                &format!("person_id={dolma}&expires_on=2020-01-01"),
                Some(&tashi),
            )
            .await;
        assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
        let stranger = demo_id("540102", "20000101", "991");
        let unknown = app
            .post_form(
                &format!("/me/entities/{company}/agents"),
                &format!("person_id={stranger}&expires_on="),
                Some(&tashi),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let added = app
            .post_form(
                &format!("/me/entities/{company}/agents?lang=en"),
                &format!("person_id={dolma}&expires_on={tomorrow}"),
                Some(&tashi),
            )
            .await;
        added.expect_status(StatusCode::OK);
        assert!(added.body.contains(&format!("Agent (until {tomorrow})")));

        // 卓玛 acts for the company with her own account.
        let hers = app.get_as("/me/entities?lang=en", &dolma_cookie).await;
        assert!(
            hers.body.contains("拉萨净土青稞食品有限公司") && hers.body.contains("Agent (until")
        );
        let chose = app
            .post_form(
                "/me/entities/act-for",
                &format!("credit_code={company}"),
                Some(&dolma_cookie),
            )
            .await;
        assert_eq!(chose.status, StatusCode::SEE_OTHER);
        let me = app.get_as("/me?lang=en", &dolma_cookie).await;
        assert!(
            me.body
                .contains("You are acting for “拉萨净土青稞食品有限公司”"),
            "{}",
            app.name()
        );
        assert!(
            me.body.contains("卓玛</span> · 拉萨净土青稞食品有限公司"),
            "the header says for whom she acts"
        );
        assert_eq!(
            app.get_as(&format!("/me/entities/{company}"), &dolma_cookie)
                .await
                .status,
            StatusCode::FORBIDDEN,
            "an agent cannot manage agents"
        );
        let not_member = app
            .post_form(
                "/me/entities/act-for",
                &format!("credit_code={coop}"),
                Some(&dolma_cookie),
            )
            .await;
        assert_eq!(not_member.status, StatusCode::FORBIDDEN);

        // Withdrawn: her session no longer acts for it.
        let page = app.get_as(&format!("/me/entities/{company}"), &tashi).await;
        let agent_id = page
            .body
            .split("name=\"agent\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("agent row")
            .to_owned();
        let removed = app
            .post_form(
                &format!("/me/entities/{company}/agents/remove"),
                &format!("agent={agent_id}"),
                Some(&tashi),
            )
            .await;
        assert_eq!(removed.status, StatusCode::OK);
        let me = app.get_as("/me?lang=en", &dolma_cookie).await;
        assert!(
            !me.body.contains("You are acting for"),
            "{}: the authorisation lapsed",
            app.name()
        );
        let actions = audit_actions(&app).await;
        for a in [
            "entity.claimed",
            "entity.agent_added",
            "session.acting_for",
            "entity.agent_removed",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} audited");
        }
    }
}
