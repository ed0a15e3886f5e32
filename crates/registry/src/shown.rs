//! How the registry's pages show who reads and what: an official as a reader (their
//! department and its kind), a department kind's name, a field's label. Shared by the record,
//! geography and check pages.

use identity::Official;
use ui::{AppState, Ctx, PageError};

use crate::record::Reader;

/// An official as the registry knows them: their department and its kind.
pub(crate) async fn official_reader(
    state: &AppState,
    ctx: &Ctx,
    o: &Official,
) -> Result<(Reader, Option<org::model::Department>), PageError> {
    let account = &o.0.account;
    let department = match &account.department {
        Some(code) => org::store::department(&state.db, code).await?,
        None => None,
    };
    let who = account.display_name(ctx.lang).to_owned();
    let name = match &department {
        Some(d) => format!("{} · {who}", d.names.zh),
        None => who,
    };
    Ok((
        Reader {
            actor: format!("official:{}", account.id),
            name,
            department_kind: department.as_ref().map(|d| d.kind.clone()),
            person: None,
            clear_sensitive: false,
            official: Some(account.grants.clone()),
        },
        department,
    ))
}

/// A department kind by name (公安局, ...), in the reader's language.
pub(crate) fn kind_name(ctx: &Ctx, code: &str) -> String {
    match org::topics::department_kind(code) {
        Some(k) => ctx.pick(k.zh_local, k.bo, k.en).to_owned(),
        None => code.to_owned(),
    }
}

pub(crate) fn field_label(ctx: &Ctx, key: &str) -> String {
    ctx.t(&format!("reg-field-{key}"))
}
