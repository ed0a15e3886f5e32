//! A case's bad rating on the hotline's problem list: joined by item and department with a
//! complaint about the same item taken by phone, listed for rectification by a hotline
//! manager, answered by the department on the same page.

use super::*;

/// The bad rating weighs on the hotline's problem list with a complaint by phone about the
/// same item: a manager lists the item for rectification there, and the department's window
/// clerk (`clerk`, signed in) replies on the same page.
pub async fn the_bad_rating_weighs_on_the_hotline_problem_list(
    app: &TestApp,
    case: i64,
    clerk: &str,
) {
    let db = &app.db.db;
    let (code, name, department): (String, String, String) =
        db::sqlx::query_as("SELECT item_code, item_name, department FROM cases WHERE id = $1")
            .bind(case)
            .fetch_one(db.pool())
            .await
            .expect("the case");
    // A complaint about the same item by phone: joined with the bad rating.
    hotline::seed::seed_demo(db)
        .await
        .expect("the hotline's demo");
    let (agent, _) = app.official_sign_in("agent.12345", PASSWORD).await;
    let call = format!(
        "channel=phone&caller_phone=13800000001&lang=zh&kind=complaint&category=assistance&division=540102&item={code}&description={}",
        common::form_encode("低保申请的补正通知看不懂")
    );
    let taken = app.post_form("/hotline/console", &call, Some(&agent)).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    // The ticket names the item, linked to its guide.
    let ticket = taken.location().to_owned();
    app.get_as(&format!("{ticket}?lang=zh"), &agent)
        .await
        .shows("涉及的政务服务事项")
        .shows(&format!("href=\"/items/{code}\""))
        .shows(&name);
    let (manager, _) = app.official_sign_in("manager.12345", PASSWORD).await;
    app.get_as("/hotline/problems?lang=zh", &manager)
        .await
        .shows(&name)
        .shows("服务事项");
    let (from, to) = (
        db.clock().today() - time::Duration::days(29),
        db.clock().today(),
    );
    let lines = hotline::service::problems::ranked(db, &app.principal(&manager).await, from, to)
        .await
        .expect("ranked");
    let line = lines
        .iter()
        .find(|l| l.subject == code)
        .expect("the item's line");
    assert_eq!(
        (
            line.weighed.complaints,
            line.weighed.bad_ratings,
            line.weighed.weight()
        ),
        (1, 1, 3),
        "{lines:?}"
    );
    let form = format!(
        "department={department}&source=item&subject={code}&from={}&to={}&note={}",
        kernel::time_util::format_date(from),
        kernel::time_util::format_date(to),
        common::form_encode("告知书不清楚，请整改"),
    );
    let listed = app
        .post_form("/hotline/problems?lang=zh", &form, Some(&manager))
        .await;
    assert_eq!(listed.status, StatusCode::SEE_OTHER, "{}", listed.body);
    let again = app
        .post_form("/hotline/problems?lang=zh", &form, Some(&manager))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    again.shows("这一事项已列入整改");
    let id: i64 = db::sqlx::query_scalar("SELECT id FROM hotline_problems WHERE subject = $1")
        .bind(&code)
        .fetch_one(db.pool())
        .await
        .expect("listed");
    let reply = format!(
        "reply={}",
        common::form_encode("已修改告知书模板，逐项写明要求。")
    );
    let done = app
        .post_form(
            &format!("/hotline/problems/{id}/rectify?lang=zh"),
            &reply,
            Some(clerk),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    app.get_as("/hotline/problems?lang=zh", &manager)
        .await
        .shows("已整改")
        .shows("已修改告知书模板");
}
