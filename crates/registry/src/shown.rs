//! How the registry's pages name things: a department kind, a field. Shared by the record,
//! geography and check pages.

use ui::Ctx;

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
