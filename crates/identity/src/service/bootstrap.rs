//! The bootstrap administrator: HTTP Basic with the configured password, for setting up the
//! first officials. It is throttled and locked like any sign-in (per the `admin` identifier
//! and per client address), every attempt is audited, and once an administrator official
//! exists an administrator can switch it off for good.

use super::*;

/// The throttle key of the bootstrap identity.
const KEY: &str = "admin:bootstrap";
/// The flag that switches the bootstrap login off.
const FLAG: &str = "bootstrap_admin_off";

/// Checks one attempt of the bootstrap administrator; `matches` compares the password in
/// constant time. `Ok` when it may act.
pub async fn bootstrap_admin(
    db: &Db,
    user: &str,
    matches: bool,
    client: &Client,
) -> Result<(), IdentityError> {
    let at = now();
    let address_key = format!("ip:{}", client.ip);
    let mut tx = db.begin().await?;
    for (key, locked_error) in [(KEY, true), (address_key.as_str(), false)] {
        if let Some(until) = locked(&mut tx, key, at).await? {
            audit::append(
                &mut tx,
                &NewEvent {
                    actor: "anonymous",
                    action: "admin.bootstrap.locked-out",
                    subject: "admin:bootstrap",
                    payload: serde_json::json!({ "ip": client.ip }),
                },
            )
            .await?;
            tx.commit().await.map_err(DbError::from)?;
            let until = local_time(until);
            return Err(if locked_error {
                IdentityError::Locked { until }
            } else {
                IdentityError::AddressLocked { until }
            });
        }
    }
    if user == "admin" && matches {
        store::clear_counter(&mut tx, KEY).await?;
        audit::append(
            &mut tx,
            &NewEvent {
                actor: "admin:bootstrap",
                action: "admin.bootstrap.signin",
                subject: "admin:bootstrap",
                payload: serde_json::json!({ "ip": client.ip, "user_agent": client.user_agent }),
            },
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        return Ok(());
    }
    let lock = fail(&mut tx, KEY, IDENTIFIER_LIMIT, at).await?;
    let address_lock = fail(&mut tx, &address_key, ADDRESS_LIMIT, at).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: "anonymous",
            action: "admin.bootstrap.failed",
            subject: "admin:bootstrap",
            payload: serde_json::json!({ "ip": client.ip, "user": user.chars().take(64).collect::<String>() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Err(match (lock, address_lock) {
        (Some(until), _) => IdentityError::Locked {
            until: local_time(until),
        },
        (None, Some(until)) => IdentityError::AddressLocked {
            until: local_time(until),
        },
        (None, None) => IdentityError::BadCredentials,
    })
}

/// Whether an administrator switched the bootstrap login off.
pub async fn bootstrap_switched_off(db: &Db) -> Result<bool, DbError> {
    let v: Option<String> = sqlx::query_scalar("SELECT value FROM platform_flags WHERE key = $1")
        .bind(FLAG)
        .fetch_optional(db.pool())
        .await?;
    Ok(v.as_deref() == Some("1"))
}

/// Whether an official holds the administrator role for the whole region (then the bootstrap
/// login may be switched off without locking everyone out).
pub async fn administrator_official_exists(db: &Db) -> Result<bool, DbError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM official_roles WHERE role = $1 AND division_code = '540000'",
    )
    .bind(crate::model::Role::Administrator.key())
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// Switches the bootstrap login off (an administrator official only; refused while none
/// exists, so that the platform never loses its last way in). Audited.
pub async fn switch_off_bootstrap(db: &Db, by: &crate::Principal) -> Result<(), IdentityError> {
    let administrator = by.official().is_some_and(|s| {
        s.account
            .grants
            .iter()
            .any(|g| g.role == crate::model::Role::Administrator)
    });
    if !administrator {
        return by
            .refuse(
                db,
                "admin:bootstrap",
                crate::model::Role::Administrator.key(),
                "admin.bootstrap.switch-off",
            )
            .await;
    }
    let actor = &by.id();
    let at = kernel::time_util::format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM platform_flags WHERE key = $1")
        .bind(FLAG)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    sqlx::query("INSERT INTO platform_flags (key, value, set_at, set_by) VALUES ($1, '1', $2, $3)")
        .bind(FLAG)
        .bind(&at)
        .bind(actor)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "admin.bootstrap.switched-off",
            subject: "admin:bootstrap",
            payload: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}
