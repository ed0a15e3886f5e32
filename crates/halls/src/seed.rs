//! The demo's hall: the Chengguan district centre (`540102-zwfw`) with the region's summer and
//! winter hours and Saturday mornings in summer, its public-security items in their own queue
//! at window 06, and the demo window clerk on its windows. Set up through the service as the
//! operator, so it is audited like a manager's set-up; does nothing once set.

use db::Db;
use identity::Principal;

use crate::model::HallError;
use crate::service::setup::{self, SettingsForm};
use crate::store;

pub const DEMO_HALL: &str = "540102-zwfw";

/// Sets up the demo hall; returns whether it did.
pub async fn seed_demo(db: &Db) -> Result<bool, HallError> {
    let by = Principal::Operator("system:demo");
    let hall = crate::service::hall(db, DEMO_HALL).await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    if store::settings(&mut conn, hall.id).await?.is_some() {
        return Ok(false);
    }
    drop(conn);
    let mut form = SettingsForm::of(&hall.settings);
    form.hours = "summer 05-01: mon-fri 09:30-13:00,15:30-18:30; sat 10:00-13:00\nwinter 10-01: mon-fri 09:30-13:00,15:30-18:00".into();
    setup::save_settings(db, &by, DEMO_HALL, &form).await?;
    // Identity cards and household registration in their own queue at window 06.
    let public_security: Vec<String> = catalog::service::published_bodies(db)
        .await?
        .into_iter()
        .filter(|b| b.department == "540102-public-security")
        .map(|b| b.code.as_str().to_owned())
        .collect();
    setup::save_window(db, &by, DEMO_HALL, "06", "public-security", &[]).await?;
    setup::save_category(
        db,
        &by,
        DEMO_HALL,
        "public-security",
        "2",
        &public_security.join(" "),
    )
    .await?;
    if let Some((clerk, _)) = identity::store::find_for_sign_in(
        db,
        &identity::store::Identifier::Login("clerk.chengguan".into()),
    )
    .await?
    {
        for w in ["01", "02"] {
            setup::save_window(db, &by, DEMO_HALL, w, "comprehensive", &[clerk.id]).await?;
        }
    }
    Ok(true)
}
