//! A government service item as the national standard fields describe it (FACTS.md,
//! GB/T 39554.1 / 39046): what it is, who implements it where, what it takes, how long, what it
//! costs, how many trips, and how far it can be done online. The whole body is kept as JSON in
//! each version, so versions, diffs and exports are lossless; the columns the lists filter on
//! are copied out of the published version.

use kernel::division::Level;
use kernel::{DivisionCode, Message};
use serde::{Deserialize, Serialize};

use crate::codes::{BasicCode, ImplementationCode};

/// Item type (事项类型), with the codes provincial platforms use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemType {
    Licensing,
    Penalty,
    Coercion,
    Levy,
    Benefit,
    Inspection,
    Confirmation,
    Reward,
    Ruling,
    OtherPower,
    PublicService,
}

impl ItemType {
    pub const ALL: [ItemType; 11] = [
        ItemType::Licensing,
        ItemType::Penalty,
        ItemType::Coercion,
        ItemType::Levy,
        ItemType::Benefit,
        ItemType::Inspection,
        ItemType::Confirmation,
        ItemType::Reward,
        ItemType::Ruling,
        ItemType::OtherPower,
        ItemType::PublicService,
    ];

    /// The numeric code (1 行政许可 … 10 其他行政权力, 20 公共服务).
    pub fn code(self) -> u8 {
        match self {
            ItemType::Licensing => 1,
            ItemType::Penalty => 2,
            ItemType::Coercion => 3,
            ItemType::Levy => 4,
            ItemType::Benefit => 5,
            ItemType::Inspection => 6,
            ItemType::Confirmation => 7,
            ItemType::Reward => 8,
            ItemType::Ruling => 9,
            ItemType::OtherPower => 10,
            ItemType::PublicService => 20,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ItemType::Licensing => "licensing",
            ItemType::Penalty => "penalty",
            ItemType::Coercion => "coercion",
            ItemType::Levy => "levy",
            ItemType::Benefit => "benefit",
            ItemType::Inspection => "inspection",
            ItemType::Confirmation => "confirmation",
            ItemType::Reward => "reward",
            ItemType::Ruling => "ruling",
            ItemType::OtherPower => "other-power",
            ItemType::PublicService => "public-service",
        }
    }

    pub fn parse(s: &str) -> Option<ItemType> {
        ItemType::ALL.into_iter().find(|t| t.key() == s)
    }

    /// Whether it belongs on the power-and-responsibility list (权责清单) rather than the
    /// public service list.
    pub fn is_power(self) -> bool {
        self != ItemType::PublicService
    }
}

/// 即办件 (decided on the spot) or 承诺件 (decided within the promised days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseType {
    Immediate,
    Promised,
}

impl CaseType {
    /// Its name in messages (`cat-case-type-{key}`), as serialized.
    pub fn key(self) -> &'static str {
        match self {
            CaseType::Immediate => "immediate",
            CaseType::Promised => "promised",
        }
    }
}

/// How far an item can be handled online (网办深度).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnlineDepth {
    /// Information only.
    Information,
    /// Forms can be downloaded.
    Forms,
    /// Applied for online, with pre-review; the result or originals at the window.
    OnlineApplication,
    /// Fully online (全程网办).
    FullyOnline,
}

impl OnlineDepth {
    pub fn key(self) -> &'static str {
        match self {
            OnlineDepth::Information => "information",
            OnlineDepth::Forms => "forms",
            OnlineDepth::OnlineApplication => "online-application",
            OnlineDepth::FullyOnline => "fully-online",
        }
    }

    pub const ALL: [OnlineDepth; 4] = [
        OnlineDepth::Information,
        OnlineDepth::Forms,
        OnlineDepth::OnlineApplication,
        OnlineDepth::FullyOnline,
    ];

    pub fn parse(s: &str) -> Option<OnlineDepth> {
        OnlineDepth::ALL.into_iter().find(|d| d.key() == s)
    }

    /// Handlable online (可网办): online application or fully online.
    pub fn online(self) -> bool {
        self >= OnlineDepth::OnlineApplication
    }
}

/// Who the item serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceObject {
    Person,
    Entity,
    Both,
}

impl ServiceObject {
    pub fn key(self) -> &'static str {
        match self {
            ServiceObject::Person => "person",
            ServiceObject::Entity => "entity",
            ServiceObject::Both => "both",
        }
    }

    pub fn parse(s: &str) -> Option<ServiceObject> {
        [
            ServiceObject::Person,
            ServiceObject::Entity,
            ServiceObject::Both,
        ]
        .into_iter()
        .find(|o| o.key() == s)
    }
}

/// What kind of paper a material is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MaterialKind {
    ApplicationForm,
    Certificate,
    Proof,
    Other,
}

impl MaterialKind {
    /// Its name in messages (`cat-kind-{key}`), as serialized.
    pub fn key(self) -> &'static str {
        match self {
            MaterialKind::ApplicationForm => "application-form",
            MaterialKind::Certificate => "certificate",
            MaterialKind::Proof => "proof",
            MaterialKind::Other => "other",
        }
    }
}

/// Where the platform can get a material without the applicant carrying it — what lets a
/// later step say "no need to submit" (免提交).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum MaterialSource {
    /// Only the applicant has it.
    Applicant,
    /// An electronic certificate type (GB/T 36902 type code: credit code + 3 digits).
    Certificate { type_code: String },
    /// A base-registry field, e.g. `population.marital_status`.
    Registry { field: String },
    /// A shared data resource of the exchange catalogue.
    Shared { resource: String },
}

impl MaterialSource {
    /// Whether the applicant need not bring it.
    pub fn obtainable(&self) -> bool {
        !matches!(self, MaterialSource::Applicant)
    }
}

/// One material an item asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    pub name_zh: String,
    #[serde(default)]
    pub name_bo: String,
    #[serde(default)]
    pub name_en: String,
    pub kind: MaterialKind,
    /// `None`: always required; `Some(condition)`: only when the condition applies.
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default)]
    pub originals: u8,
    #[serde(default)]
    pub copies: u8,
    pub source: MaterialSource,
}

/// One task of a back-office stage: a department (by kind, in the implementing department's
/// division) whose officials in `role` decide within `days` working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageTask {
    /// A department kind (`market-regulation`, `health` …).
    pub kind: String,
    pub days: u32,
    #[serde(default = "approver")]
    pub role: String,
}

fn approver() -> String {
    "approver".to_owned()
}

/// A back-office stage: its tasks run in parallel (联合审批); all must approve before the
/// next stage opens, and any refusal ends the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub tasks: Vec<StageTask>,
}

/// An item as an implementing body publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemBody {
    pub code: ImplementationCode,
    pub basic_code: BasicCode,
    pub name_zh: String,
    #[serde(default)]
    pub name_bo: String,
    #[serde(default)]
    pub name_en: String,
    pub item_type: ItemType,
    /// The implementing department (`540100-market-regulation`).
    pub department: String,
    pub level: Level,
    /// Where it is implemented (the department's division and, for a county item, maybe
    /// more).
    pub divisions: Vec<DivisionCode>,
    pub legal_basis: String,
    pub conditions: String,
    pub materials: Vec<Material>,
    pub steps: Vec<String>,
    /// Working days the law allows.
    pub statutory_days: u32,
    /// Working days promised (no more than the law's).
    pub promised_days: u32,
    pub case_type: CaseType,
    /// `None`: free.
    #[serde(default)]
    pub fee_fen: Option<i64>,
    #[serde(default)]
    pub fee_basis: String,
    pub place: String,
    pub hours: String,
    /// On-site visits required (0, 1, 2…).
    pub visits: u8,
    pub online_depth: OnlineDepth,
    /// Handled in the government service centre, and at which window category.
    pub in_centre: bool,
    #[serde(default)]
    pub window_category: String,
    pub service_object: ServiceObject,
    #[serde(default)]
    pub high_frequency: bool,
    #[serde(default)]
    pub life_events: Vec<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub consultation: String,
    #[serde(default)]
    pub complaint: String,
    /// Special procedures that pause the clock (hearing, expert review, …).
    #[serde(default)]
    pub special_procedures: Vec<String>,
    /// The back office's stages in order. Empty: one stage, one task for the implementing
    /// department over the promised days (see [`ItemBody::workflow`]).
    #[serde(default)]
    pub stages: Vec<Stage>,
}

/// A problem with an item, by field.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub field: String,
    pub message: Message,
}

fn bad(field: impl Into<String>, key: &'static str) -> Invalid {
    Invalid {
        field: field.into(),
        message: Message::new(key),
    }
}

/// The most working days any item may take (a year of working days).
pub const MAX_DAYS: u32 = 250;

impl ItemBody {
    /// Every problem the item has on its own (departments and divisions are checked against
    /// the database by the service).
    pub fn check(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        if self.code.basic() != self.basic_code.as_str() {
            out.push(bad("code", "cat-impl-basic-mismatch"));
        }
        if self.name_zh.trim().is_empty() {
            out.push(bad("name_zh", "cat-name-missing"));
        }
        if self.statutory_days > MAX_DAYS {
            out.push(bad("statutory_days", "cat-days-impossible"));
        }
        if self.promised_days > self.statutory_days {
            out.push(bad("promised_days", "cat-promised-over-statutory"));
        }
        if self.case_type == CaseType::Immediate && self.promised_days > 1 {
            out.push(bad("case_type", "cat-immediate-days"));
        }
        if self.fee_fen.is_some_and(|f| f < 0) {
            out.push(bad("fee_fen", "cat-fee-negative"));
        }
        if self.visits > 9 {
            out.push(bad("visits", "cat-visits-impossible"));
        }
        if self.divisions.is_empty() {
            out.push(bad("divisions", "cat-divisions-missing"));
        }
        if self.steps.is_empty() {
            out.push(bad("steps", "cat-steps-missing"));
        }
        // A Tibetan name is Tibetan: no Chinese in it, every syllable well formed.
        let names = std::iter::once(("name_bo", &self.name_bo))
            .chain(self.materials.iter().map(|m| ("materials", &m.name_bo)));
        for (field, name) in names {
            if name.trim().is_empty() {
                continue;
            }
            if let Err(why) = kernel::tibetan::check_text(name) {
                let syllable = match &why {
                    kernel::tibetan::NotTibetan::Malformed(s) => s.clone(),
                    _ => String::new(),
                };
                out.push(Invalid {
                    field: field.into(),
                    message: Message::new("cat-tibetan-name-invalid")
                        .arg("name", name.clone())
                        .arg(
                            "why",
                            if syllable.is_empty() {
                                "script"
                            } else {
                                "syllable"
                            },
                        )
                        .arg("syllable", syllable),
                });
            }
        }
        if self.in_centre && self.window_category.trim().is_empty() {
            out.push(bad("window_category", "cat-window-missing"));
        }
        if self.online_depth == OnlineDepth::FullyOnline && self.visits > 0 {
            out.push(bad("visits", "cat-online-visits"));
        }
        // One entry per line in a CSV cell: an entry is one line, and not blank.
        for (name, list) in [
            ("steps", &self.steps),
            ("life_events", &self.life_events),
            ("themes", &self.themes),
            ("special_procedures", &self.special_procedures),
        ] {
            for (i, entry) in list.iter().enumerate() {
                if entry.trim().is_empty() || entry.contains(['\n', '\r']) || entry.trim() != entry
                {
                    out.push(bad(format!("{name}[{i}]"), "cat-list-entry"));
                }
            }
        }
        // The stages run one after another; each takes as long as its longest task, and
        // together they must fit in the promised time limit.
        let mut total = 0;
        for (i, st) in self.stages.iter().enumerate() {
            if st.tasks.is_empty() {
                out.push(bad(format!("stages[{i}]"), "cat-stage-empty"));
            }
            for (j, t) in st.tasks.iter().enumerate() {
                if t.days == 0 {
                    out.push(bad(
                        format!("stages[{i}].tasks[{j}].days"),
                        "cat-stage-days",
                    ));
                }
                if t.kind.trim().is_empty() || t.kind.contains(char::is_whitespace) {
                    out.push(bad(
                        format!("stages[{i}].tasks[{j}].kind"),
                        "cat-stage-kind",
                    ));
                }
                if !["approver", "window-clerk"].contains(&t.role.as_str()) {
                    out.push(bad(
                        format!("stages[{i}].tasks[{j}].role"),
                        "cat-stage-role",
                    ));
                }
            }
            total += st.tasks.iter().map(|t| t.days).max().unwrap_or(0);
        }
        if total > self.promised_days.max(1) {
            out.push(bad("stages", "cat-stages-over-promised"));
        }
        for (i, m) in self.materials.iter().enumerate() {
            let field = |f: &str| format!("materials[{i}].{f}");
            if m.name_zh.trim().is_empty() {
                out.push(bad(field("name_zh"), "cat-name-missing"));
            }
            if m.condition.as_deref().is_some_and(|c| c.trim().is_empty()) {
                out.push(bad(field("condition"), "cat-condition-empty"));
            }
            if let MaterialSource::Certificate { type_code } = &m.source
                && !valid_certificate_type(type_code)
            {
                out.push(bad(field("source"), "cat-certificate-type"));
            }
        }
        out
    }

    /// The stages a case of this item goes through: the defined ones, or one task for the
    /// implementing department's kind over the promised days.
    pub fn workflow(&self) -> Vec<Stage> {
        if !self.stages.is_empty() {
            return self.stages.clone();
        }
        let kind = self
            .department
            .split_once('-')
            .map_or(self.department.as_str(), |(_, k)| k);
        vec![Stage {
            tasks: vec![StageTask {
                kind: kind.to_owned(),
                days: self.promised_days.max(1),
                role: approver(),
            }],
        }]
    }

    /// How many materials are always required.
    pub fn required_materials(&self) -> usize {
        self.materials
            .iter()
            .filter(|m| m.condition.is_none())
            .count()
    }

    /// How many materials the platform can obtain itself.
    pub fn obtainable_materials(&self) -> usize {
        self.materials
            .iter()
            .filter(|m| m.source.obtainable())
            .count()
    }

    /// The "at most one trip" list (最多跑一次): one visit or none.
    pub fn one_trip(&self) -> bool {
        self.visits <= 1
    }
}

/// A certificate type code (GB/T 36902): the defining authority's credit code and 3 digits.
pub fn valid_certificate_type(code: &str) -> bool {
    code.len() == 21
        && kernel::CreditCode::parse(&code[..18]).is_ok()
        && code[18..].bytes().all(|b| b.is_ascii_digit())
}

/// Where a version stands (实时更新、动态管理).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Draft,
    InReview,
    Published,
    Retired,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in-review",
            Status::Published => "published",
            Status::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Draft,
            Status::InReview,
            Status::Published,
            Status::Retired,
        ]
        .into_iter()
        .find(|st| st.key() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message key names a value as the catalogue's JSON does, so a guide, an import and
    /// the API speak of the same thing.
    #[test]
    fn keys_are_the_serialized_names() {
        let json = |v: Result<serde_json::Value, serde_json::Error>| {
            v.ok().and_then(|v| v.as_str().map(str::to_owned))
        };
        for k in [CaseType::Immediate, CaseType::Promised] {
            assert_eq!(json(serde_json::to_value(k)).as_deref(), Some(k.key()));
        }
        for k in [
            MaterialKind::ApplicationForm,
            MaterialKind::Certificate,
            MaterialKind::Proof,
            MaterialKind::Other,
        ] {
            assert_eq!(json(serde_json::to_value(k)).as_deref(), Some(k.key()));
        }
    }
}
