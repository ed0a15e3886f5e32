//! Taking a ticket: by an agent on a call or from a text, by a signed-in person on the
//! portal, or at a hall's kiosk. A matter for elsewhere is recognised and the caller told
//! where to go; a consultation answered on the spot closes at once; anything else is
//! dispatched by the catalogue with its signing and handling limits.

use db::Db;
use identity::Principal;
use kernel::time_util::{CST, format_instant};
use kernel::{DivisionCode, Message};

use super::dispatch::route;
use super::storing::Pending;
use super::{Standing, dues, is_hotline, limits, refused_as, shown};
use crate::model::{Caller, Channel, Elsewhere, HotlineError, Kind, State, Ticket};
use crate::store;

/// The longest description kept, in characters.
pub const DESCRIPTION_MAX: usize = 2000;

/// A ticket as it is taken.
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub kind: String,
    pub category: String,
    pub division: String,
    pub address: String,
    /// Longitude and latitude, both or neither.
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub description: String,
    pub channel: String,
    /// `zh`, `bo` or `en`: the language the caller speaks.
    pub lang: String,
    pub urgent: bool,
    /// Who calls (an agent's channels); for the portal, the signed-in person.
    pub caller_name: String,
    pub caller_phone: String,
    /// The agent confirms the matter is the hotline's although its words suggest elsewhere.
    pub in_scope: bool,
    /// A consultation the agent answered on the spot: the answer, and the ticket closes.
    pub answer: String,
    /// A photo's URL (Open311's `media_url`).
    pub media_url: String,
    /// The service item the matter is about, by its code (optional): a complaint about a
    /// service joins the item's ratings on the problem list.
    pub item: String,
}

/// Takes a ticket. Agents take calls, texts and kiosk requests; a signed-in person raises
/// one on the portal in their own name. Every refusal is audited and nothing is stored.
pub async fn create(db: &Db, by: &Principal, new: &NewTicket) -> Result<Ticket, HotlineError> {
    let channel = Channel::parse(new.channel.trim());
    let allowed = match channel {
        Some(Channel::Web) => by.person().is_some(),
        Some(Channel::Phone | Channel::Sms | Channel::Kiosk) => is_hotline(by),
        // Open311 requests arrive through their own door, with a key.
        Some(Channel::Open311) | None => false,
    };
    if !allowed {
        by.refuse(db, "hotline:tickets", "hotline-agent", "hotline.create")
            .await?;
        return Err(HotlineError::Forbidden);
    }
    let t = take(db, &by.id(), by.person(), new).await?;
    let standing = if by.person().is_some() {
        Standing::Caller
    } else {
        Standing::Hotline
    };
    Ok(shown(t, standing))
}

/// Checks and stores a ticket taken by `actor` (for `person`, when one raises it signed in):
/// every refusal audited and nothing stored; the ticket as stored.
pub(crate) async fn take(
    db: &Db,
    actor: &str,
    person: Option<&identity::model::Session>,
    new: &NewTicket,
) -> Result<Ticket, HotlineError> {
    let checked = check(db, person, new).await;
    let mut t = match checked {
        Ok(t) => t,
        Err(e) => {
            return Err(refused_as(db, actor, "hotline:tickets", "hotline.create", e).await);
        }
    };
    let now = db.clock().now();
    let at = format_instant(now);
    let l = limits(db).await?;
    // Both limits from one read of the calendar.
    [t.sign_due, t.handle_due] = dues(
        db,
        now,
        [l.sign_for(t.urgent), l.handle(t.kind, t.urgent)],
        t.division,
    )
    .await?;
    t.created_at = at.clone();
    t.created_by = actor.to_owned();
    let answered = t.kind == Kind::Consult && !new.answer.trim().is_empty();
    let route = if answered {
        None
    } else {
        route(db, &t.category, t.division).await?
    };
    if answered {
        t.state = State::Closed;
        t.reply = new.answer.trim().to_owned();
        t.closed_at = Some(at.clone());
    } else if let Some((lead, _)) = &route {
        t.state = State::Dispatched;
        t.lead.clone_from(lead);
    } else {
        // No rule or no department: with the hotline, to dispatch by hand.
        t.state = State::Returned;
    }
    let day = now.to_offset(CST).date();
    let day = format!(
        "{:04}{:02}{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    );
    if t.channel == Channel::Open311 {
        t.token = Some(
            identity::token::new_token()
                .map_err(|e| db::DbError::Conflict(format!("no randomness: {e}")))?[..24]
                .to_owned(),
        );
    }
    super::storing::store(
        db,
        Pending {
            t,
            actor: actor.to_owned(),
            answered,
            route,
            day,
        },
    )
    .await
}

/// Reads and checks what was given: every problem at once, or the ticket to store.
async fn check(
    db: &Db,
    person: Option<&identity::model::Session>,
    new: &NewTicket,
) -> Result<Ticket, HotlineError> {
    let mut problems: Vec<(String, Message)> = Vec::new();
    let mut problem =
        |field: &str, key: &'static str| problems.push((field.to_owned(), Message::new(key)));
    let kind = Kind::parse(new.kind.trim());
    if kind.is_none() {
        problem("kind", "hotline-kind-unknown");
    }
    let channel = Channel::parse(new.channel.trim()).unwrap_or(Channel::Phone);
    let category = new.category.trim();
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    if !store::categories(&mut conn)
        .await?
        .iter()
        .any(|c| c.code == category)
    {
        problem("category", "hotline-category-unknown");
    }
    let division = match DivisionCode::parse(new.division.trim()) {
        Ok(d) if org::store::division_exists(&mut conn, d).await? => Some(d),
        _ => {
            problem("division", "hotline-division-unknown");
            None
        }
    };
    drop(conn);
    let item = new.item.trim();
    if !item.is_empty() && catalog::service::published(db, item).await?.is_none() {
        problem("item", "hotline-item-unknown");
    }
    let description = new.description.trim();
    if description.is_empty() {
        problem("description", "hotline-description-missing");
    } else if description.chars().count() > DESCRIPTION_MAX {
        problem("description", "hotline-description-long");
    }
    let address = new.address.trim();
    if address.chars().count() > 200 {
        problem("address", "hotline-address-long");
    }
    let point = match (new.lon, new.lat) {
        (None, None) => None,
        (Some(lon), Some(lat))
            if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
        {
            Some((lon, lat))
        }
        _ => {
            problem("lon", "hotline-point-bad");
            None
        }
    };
    let lang = match new.lang.trim() {
        "" => "zh",
        l @ ("zh" | "bo" | "en") => l,
        _ => {
            problem("lang", "hotline-lang-unknown");
            "zh"
        }
    };
    let caller = match person {
        Some(s) => Caller {
            name: s.account.name_zh.clone(),
            phone: s.account.mobile.clone().unwrap_or_default(),
            account_id: Some(s.account.id),
        },
        None => {
            let phone = new.caller_phone.trim();
            let digits_only = phone.bytes().all(|b| b.is_ascii_digit());
            let agent_bad =
                channel.taken_by_agent() && (phone.len() < 5 || phone.len() > 15 || !digits_only);
            // A system's caller may write a number its own way, within reason.
            if agent_bad || phone.chars().count() > 30 {
                problem("caller_phone", "hotline-phone-bad");
            }
            if new.caller_name.trim().chars().count() > 50 {
                problem("caller_name", "hotline-name-long");
            }
            Caller {
                name: new.caller_name.trim().to_owned(),
                phone: phone.to_owned(),
                account_id: None,
            }
        }
    };
    if !new.answer.trim().is_empty() && (kind != Some(Kind::Consult) || person.is_some()) {
        problem("answer", "hotline-answer-consult-only");
    }
    let media_url = new.media_url.trim().to_owned();
    if !media_url.is_empty()
        && (media_url.len() > 500
            || !(media_url.starts_with("https://") || media_url.starts_with("http://"))
            || media_url.chars().any(char::is_whitespace))
    {
        problem("media_url", "hotline-media-url-bad");
    }
    let (Some(kind), Some(division), true) = (kind, division, problems.is_empty()) else {
        return Err(HotlineError::Invalid(problems));
    };
    if !new.in_scope
        && let Some(elsewhere) = Elsewhere::recognise(description)
    {
        return Err(HotlineError::Refused(elsewhere.message()));
    }
    Ok(Ticket {
        id: 0,
        number: String::new(),
        kind,
        category: category.to_owned(),
        division,
        address: address.to_owned(),
        point,
        description: description.to_owned(),
        channel,
        lang: lang.to_owned(),
        urgent: new.urgent,
        caller: Some(caller),
        state: State::Dispatched,
        lead: String::new(),
        sign_due: String::new(),
        handle_due: String::new(),
        extended: false,
        reply: String::new(),
        created_at: String::new(),
        created_by: String::new(),
        signed_at: None,
        replied_at: None,
        closed_at: None,
        rating: None,
        solved: None,
        reopened: false,
        supervised: false,
        urged: 0,
        master_id: None,
        token: None,
        media_url,
        item: item.to_owned(),
    })
}

/// How many earlier tickets the agent sees of a caller.
pub const HISTORY: i64 = 20;

/// A caller's earlier tickets by their number, for the agent on the call. Reports are left
/// out: whoever types a number must not learn that its owner reported something.
pub async fn history(db: &Db, by: &Principal, phone: &str) -> Result<Vec<Ticket>, HotlineError> {
    by.require_any_role(db, &super::HOTLINE, "hotline:callers", "hotline.history")
        .await?;
    let phone = phone.trim();
    if phone.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let found = store::of_caller(&mut conn, store::CallerKey::Phone(phone), HISTORY + 5).await?;
    Ok(found
        .into_iter()
        .filter(|t| !t.kind.confidential())
        .take(usize::try_from(HISTORY).unwrap_or(20))
        .collect())
}

/// A signed-in person's own tickets, newest first.
pub async fn mine(db: &Db, by: &Principal) -> Result<Vec<Ticket>, HotlineError> {
    let Some(s) = by.person() else {
        by.refuse(db, "hotline:mine", "person", "hotline.mine")
            .await?;
        return Err(HotlineError::Forbidden);
    };
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    Ok(store::of_caller(&mut conn, store::CallerKey::Account(s.account.id), 100).await?)
}
