//! Finding records by name (姓名、名称查询) for an official who does not have the number or the
//! code: a person by their Tibetan or Chinese name, an entity by its name, as people type
//! them — in Tibetan script, in Extended Wylie (bkra shis tshe ring), spelled as it sounds
//! (Tashi Tsering), or in Chinese (扎西次仁).
//!
//! A name is found when every term of the query is one of its terms (`kernel::name_terms`,
//! indexed in `registry_name_terms` as records are written): the syllables of Tibetan, the
//! pairs of neighbouring Chinese characters (and the Chinese as typed must appear in a name),
//! Latin words. Latin letters are read three ways, the first that finds anything winning:
//! as typed (an entity's Latin name), as Extended Wylie, and as the sounds of the Tibetan
//! syllables names hold (`registry_name_sounds`: each word cut into the fewest sounds).
//!
//! Only officials whose roles need lookups search, within the divisions those roles cover
//! (a person's household or residence, an entity's registration), for a stated purpose. Each
//! person listed is logged in the read log before the list goes out, so a person sees that
//! an official's search showed them. At most [`SHOWN`] records are listed; the rest is
//! counted as "more", and the official narrows the query.

use std::collections::{BTreeMap, HashMap};

use db::{Db, DbError};
use kernel::Message;
use kernel::name_terms::{self, Run};
use kernel::time_util::format_instant;
use serde::Serialize;
use sqlx::Row;

use crate::fields::{PERSONS, Register};
use crate::record::{Reader, RegistryError, reading_divisions};

/// Records listed at most.
pub const SHOWN: usize = 50;
/// The longest query read, in characters.
pub const MAX_QUERY_CHARS: usize = 64;
/// The longest sound of a syllable (`tshang`), in letters.
const LONGEST_SOUND: usize = 8;
/// Index rows counted at most when choosing which term to start from: past this many, a
/// term is common and counting further only costs (a name's syllables are each held by
/// tens of thousands of the region's people; counting to 20,000 took a third of a search).
const COUNT_CAP: i64 = 2_000;

/// How the query was read in the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Typed,
    /// Latin letters read as Tibetan in Extended Wylie.
    Wylie,
    /// Latin letters read as the sounds of Tibetan syllables.
    Phonetic,
}

/// One record found.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    /// The number or code as the reader may see it (a person's number masked).
    pub key: String,
    /// The names, in the register's name fields' order (a person: Chinese, Tibetan).
    pub names: Vec<String>,
    /// Where the record is placed (a person's household, an entity's registration).
    pub division: String,
    /// A person's date of birth; an entity's status.
    pub detail: String,
    #[serde(skip)]
    subject: String,
}

impl Match {
    /// A reference to this record that names it without showing its key, for the session
    /// whose secret is `secret` only: the page offers it to read the record in full.
    pub fn pick(&self, secret: &str) -> String {
        pick_of(secret, &self.subject)
    }
}

fn pick_of(secret: &str, subject: &str) -> String {
    kernel::crypto::hmac_sm3(secret.as_bytes(), &[b"registry-pick", subject.as_bytes()])
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a name search found.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    pub matches: Vec<Match>,
    /// More records match than are listed.
    pub more: bool,
    pub via: Via,
    /// The query as read, when not as typed (the Tibetan of Wylie or of a spelling by sound).
    pub read_as: Option<String>,
}

impl Found {
    /// The key of the record `pick` (as [`Match::pick`] gave it) names, if it is listed.
    pub fn picked(&self, secret: &str, pick: &str) -> Option<&str> {
        self.matches
            .iter()
            .find(|m| kernel::crypto::same_secret(&m.pick(secret), pick))
            .map(|m| m.subject.as_str())
    }
}

/// One term the name must hold, as any of these alternatives.
type Group = Vec<String>;

/// A way of reading the query: the terms, and Chinese that must appear as typed.
#[derive(Debug, Clone)]
struct Reading {
    via: Via,
    groups: Vec<Group>,
    contains: Vec<String>,
    read_as: Option<String>,
}

/// Searches `reg` by name for `purpose`; each person listed is written to the read log.
pub async fn search(
    db: &Db,
    reg: &Register,
    reader: &Reader,
    typed: &str,
    purpose: &str,
) -> Result<Found, RegistryError> {
    let (found, subjects) = find(db, reg, reader, typed, purpose).await?;
    if reg.name == PERSONS.name && !subjects.is_empty() {
        let at = format_instant(db.clock().now());
        let entries: Vec<crate::readlog::Entry> = subjects
            .into_iter()
            .map(|subject| crate::readlog::Entry {
                registry: reg.name,
                subject,
                reader: reader.actor.clone(),
                reader_name: reader.name.clone(),
                fields: "name_zh,name_bo,birth_date,household_division".into(),
                purpose: purpose.trim().to_owned(),
                at: at.clone(),
            })
            .collect();
        let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
        crate::readlog::insert_in(&mut conn, &entries).await?;
    }
    Ok(found)
}

/// The key of the record `pick` names among what the same search lists for this reader
/// (the list was logged when it was shown; the full read the caller makes next is logged by
/// that read); `NotFound` when it names none of them.
pub async fn picked(
    db: &Db,
    reg: &Register,
    reader: &Reader,
    typed: &str,
    purpose: &str,
    secret: &str,
    pick: &str,
) -> Result<String, RegistryError> {
    let (found, _) = find(db, reg, reader, typed, purpose).await?;
    found
        .picked(secret, pick)
        .map(str::to_owned)
        .ok_or(RegistryError::NotFound)
}

/// What a search lists, and the keys of the records listed, without logging them.
async fn find(
    db: &Db,
    reg: &Register,
    reader: &Reader,
    typed: &str,
    purpose: &str,
) -> Result<(Found, Vec<String>), RegistryError> {
    let Some(grants) = &reader.official else {
        return Err(RegistryError::Forbidden);
    };
    let divisions = reading_divisions(grants);
    if divisions.is_empty() {
        return Err(RegistryError::Forbidden);
    }
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(RegistryError::invalid(
            "name",
            Message::new("reg-name-search-empty"),
        ));
    }
    if typed.chars().count() > MAX_QUERY_CHARS {
        return Err(RegistryError::invalid(
            "name",
            Message::new("reg-name-search-long").arg("max", MAX_QUERY_CHARS as i64),
        ));
    }
    if purpose.trim().is_empty() {
        return Err(RegistryError::NoPurpose);
    }
    let readings = read(db, typed).await?;
    if readings.is_empty() {
        return Err(RegistryError::invalid(
            "name",
            Message::new("reg-name-search-unreadable"),
        ));
    }
    let prefixes: Vec<String> = divisions.iter().map(|d| d.subtree_prefix()).collect();
    // One read transaction for the counts and the search. On PostgreSQL the search walks the
    // rarest term's index rows and probes the primary key for the others until the list is
    // full: the planner, reckoning the terms independent, preferred hashing the terms'
    // whole lists (200,000 rows each, 150 ms) and starting parallel workers for it, so both
    // are switched off for this transaction (20 ms). Counting a common term's first 2,000
    // rows, it chose a sequential scan, which met them a million rows in (160–190 ms): the
    // index is the only way this transaction reads the terms.
    let mut tx = db
        .begin_planned(
            "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; \
             SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_seqscan = off",
        )
        .await?;
    let mut last = None;
    for reading in readings {
        let found = matching(&mut tx, reg, &reading, &prefixes).await?;
        let done = !found.is_empty();
        last = Some((reading, found));
        if done {
            break;
        }
    }
    tx.commit().await.map_err(DbError::from)?;
    let Some((reading, rows)) = last else {
        return Err(RegistryError::NotFound);
    };
    let more = rows.len() > SHOWN;
    let matches: Vec<Match> = rows
        .into_values()
        .take(SHOWN)
        .map(|m| Match {
            key: shown_key(reg, &m.subject, reader),
            ..m
        })
        .collect();
    let subjects = matches.iter().map(|m| m.subject.clone()).collect();
    Ok((
        Found {
            matches,
            more,
            via: reading.via,
            read_as: reading.read_as,
        },
        subjects,
    ))
}

fn shown_key(reg: &Register, subject: &str, reader: &Reader) -> String {
    if reg.name == PERSONS.name {
        kernel::PersonId::parse(subject).map_or_else(
            |_| subject.to_owned(),
            |id| crate::population::key_shown(&id, reader),
        )
    } else {
        subject.to_owned()
    }
}

/// The ways of reading what was typed, in the order they are tried.
async fn read(db: &Db, typed: &str) -> Result<Vec<Reading>, RegistryError> {
    let mut groups: Vec<Group> = Vec::new();
    let mut contains = Vec::new();
    let mut latin: Vec<String> = Vec::new();
    for run in name_terms::runs(typed) {
        match run {
            Run::Tibetan(syllables) => groups.extend(syllables.into_iter().map(|s| vec![s])),
            Run::Han(han) => {
                if han.chars().count() < 2 {
                    return Err(RegistryError::invalid(
                        "name",
                        Message::new("reg-name-search-short"),
                    ));
                }
                groups.extend(name_terms::han_pairs(&han).into_iter().map(|p| vec![p]));
                contains.push(han);
            }
            Run::Latin(word) => latin.push(word),
        }
    }
    let reading = |via, more: Vec<Group>, read_as| Reading {
        via,
        groups: groups.iter().cloned().chain(more).collect(),
        contains: contains.clone(),
        read_as,
    };
    if latin.is_empty() {
        // Nothing a name is made of (punctuation, digits, symbols): unreadable, not "none".
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        return Ok(vec![reading(Via::Typed, Vec::new(), None)]);
    }
    let mut out = vec![reading(
        Via::Typed,
        latin.iter().map(|w| vec![w.clone()]).collect(),
        None,
    )];
    if let Some(tibetan) = kernel::tibetan::wylie::to_tibetan(&latin.join(" ")) {
        let syllables: Vec<String> = kernel::tibetan::syllables(&tibetan)
            .map(str::to_owned)
            .collect();
        out.push(reading(
            Via::Wylie,
            syllables.iter().map(|s| vec![s.clone()]).collect(),
            Some(syllables.join("\u{0F0B}")),
        ));
    }
    if let Some(sounded) = by_sound(db, &latin).await? {
        let read_as = sounded
            .iter()
            .map(|g| g.first().cloned().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\u{0F0B}");
        out.push(reading(Via::Phonetic, sounded, Some(read_as)));
    }
    Ok(out)
}

/// Latin words read as the sounds of the Tibetan syllables names hold: each word cut into the
/// fewest known sounds (Tashi → ta·shi), each sound the syllables it may spell. `None` when a
/// word cannot be cut so.
async fn by_sound(db: &Db, words: &[String]) -> Result<Option<Vec<Group>>, DbError> {
    let mut pieces: Vec<String> = Vec::new();
    for w in words {
        if !w.bytes().all(|b| b.is_ascii_lowercase()) {
            return Ok(None);
        }
        for i in 0..w.len() {
            for j in i + 1..=w.len().min(i + LONGEST_SOUND) {
                pieces.push(w[i..j].to_owned());
            }
        }
    }
    pieces.sort();
    pieces.dedup();
    let sql = format!(
        "SELECT sound, term FROM registry_name_sounds WHERE sound IN {}",
        db::placeholders(1, pieces.len(), 1)
    );
    let mut q = sqlx::query(&sql);
    for p in &pieces {
        q = q.bind(p);
    }
    let mut sounds: HashMap<String, Vec<String>> = HashMap::new();
    for r in q.fetch_all(db.pool()).await? {
        let sound: String = r.try_get("sound")?;
        sounds.entry(sound).or_default().push(r.try_get("term")?);
    }
    let mut groups = Vec::new();
    for w in words {
        let Some(cut) = fewest_sounds(w, |s| sounds.contains_key(s)) else {
            return Ok(None);
        };
        groups.extend(cut.into_iter().map(|s| sounds[s].clone()));
    }
    Ok(Some(groups))
}

/// `word` cut into the fewest pieces that are all known sounds (on a tie, the cut whose
/// earlier pieces are longer); `None` when no cut is.
fn fewest_sounds(word: &str, known: impl Fn(&str) -> bool) -> Option<Vec<&str>> {
    let n = word.len();
    // best[i]: the fewest pieces covering word[i..], and where the first piece ends.
    let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
    best[n] = Some((0, n));
    for i in (0..n).rev() {
        for j in (i + 1..=n.min(i + LONGEST_SOUND)).rev() {
            if let Some((count, _)) = best[j]
                && known(&word[i..j])
                && best[i].is_none_or(|(c, _)| count + 1 < c)
            {
                best[i] = Some((count + 1, j));
            }
        }
    }
    best[0]?;
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let (_, j) = best[i]?;
        out.push(&word[i..j]);
        i = j;
    }
    Some(out)
}

/// The records holding every group of a reading, within the divisions whose code prefixes
/// are given, by key (at most one more than are listed).
async fn matching(
    conn: &mut db::Conn,
    reg: &Register,
    reading: &Reading,
    prefixes: &[String],
) -> Result<BTreeMap<String, Match>, DbError> {
    if reading.groups.is_empty() {
        return Ok(BTreeMap::new());
    }
    // Start from the group the index holds fewest rows of.
    let mut counted = Vec::with_capacity(reading.groups.len());
    for g in &reading.groups {
        let n = if reading.groups.len() == 1 {
            0
        } else {
            let sql = format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM registry_name_terms WHERE registry = $1 AND term IN {} LIMIT {COUNT_CAP}) c",
                db::placeholders(1, g.len(), 2)
            );
            let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(reg.name);
            for t in g {
                q = q.bind(t);
            }
            q.fetch_one(&mut *conn).await?
        };
        counted.push((n, g));
    }
    counted.sort_by_key(|(n, _)| *n);
    let mut binds: Vec<&str> = vec![reg.name];
    let next = |binds: &mut Vec<&str>, n: usize| {
        let first = binds.len() + 1;
        (first, db::placeholders(1, n, first))
    };
    let (_, driver) = next(&mut binds, counted[0].1.len());
    binds.extend(counted[0].1.iter().map(String::as_str));
    let mut sql = String::new();
    let places = places(reg);
    let names: Vec<String> = reg
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("r.{n} AS name{i}"))
        .collect();
    sql.push_str(&format!(
        "SELECT r.{key} AS subject, {names}, r.{place} AS place, r.{detail} AS detail \
         FROM registry_name_terms d JOIN {table} r ON r.{key} = d.subject \
         WHERE d.registry = $1 AND d.term IN {driver}",
        key = reg.key,
        names = names.join(", "),
        place = places[0],
        detail = detail(reg),
        table = reg.table,
    ));
    for (_, g) in &counted[1..] {
        let (_, m) = next(&mut binds, g.len());
        binds.extend(g.iter().map(String::as_str));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM registry_name_terms t WHERE t.registry = $1 AND t.subject = d.subject AND t.term IN {m})"
        ));
    }
    let patterns: Vec<String> = prefixes.iter().map(|p| format!("{p}%")).collect();
    if !patterns.iter().any(|p| p == "%") {
        let mut any = Vec::new();
        for p in &patterns {
            let (first, _) = next(&mut binds, 1);
            binds.push(p);
            any.extend(places.iter().map(|c| format!("r.{c} LIKE ${first}")));
        }
        sql.push_str(&format!(" AND ({})", any.join(" OR ")));
    }
    let wanted: Vec<String> = reading.contains.iter().map(|c| format!("%{c}%")).collect();
    for w in &wanted {
        let (first, _) = next(&mut binds, 1);
        binds.push(w);
        let any: Vec<String> = reg
            .names
            .iter()
            .map(|n| format!("r.{n} LIKE ${first}"))
            .collect();
        sql.push_str(&format!(" AND ({})", any.join(" OR ")));
    }
    // Enough rows for one more record than is shown, each record coming once for each of the
    // first group's alternatives it holds (once, for a Tibetan or Chinese query).
    sql.push_str(&format!(" LIMIT {}", (SHOWN + 1) * counted[0].1.len()));
    // Not kept prepared: PostgreSQL turns a statement run often into a generic plan, which
    // cannot see which term is rare and which is held by half the region.
    let mut q = sqlx::query(&sql).persistent(false);
    for b in &binds {
        q = q.bind(*b);
    }
    let mut out = BTreeMap::new();
    for r in q.fetch_all(&mut *conn).await? {
        let subject: String = r.try_get("subject")?;
        let names = (0..reg.names.len())
            .map(|i| r.try_get::<String, _>(format!("name{i}").as_str()))
            .collect::<Result<Vec<_>, _>>()?;
        out.insert(
            subject.clone(),
            Match {
                key: String::new(),
                names,
                division: r.try_get("place")?,
                detail: r.try_get("detail")?,
                subject,
            },
        );
        if out.len() > SHOWN {
            break;
        }
    }
    Ok(out)
}

/// The columns that place a record in a division (the first is shown).
fn places(reg: &Register) -> &'static [&'static str] {
    if reg.name == PERSONS.name {
        &["household_division", "residence_division"]
    } else {
        &["division"]
    }
}

/// The column shown beside a record's names.
fn detail(reg: &Register) -> &'static str {
    if reg.name == PERSONS.name {
        "birth_date"
    } else {
        "status"
    }
}

#[cfg(test)]
mod tests {
    use super::fewest_sounds;

    #[test]
    fn a_word_is_cut_into_the_fewest_known_sounds() {
        let known =
            |s: &str| ["ta", "shi", "tra", "tse", "ring", "lha", "sa", "t", "a"].contains(&s);
        assert_eq!(fewest_sounds("tashi", known), Some(vec!["ta", "shi"]));
        assert_eq!(fewest_sounds("tsering", known), Some(vec!["tse", "ring"]));
        assert_eq!(fewest_sounds("lhasa", known), Some(vec!["lha", "sa"]));
        assert_eq!(fewest_sounds("xyz", known), None);
        assert_eq!(fewest_sounds("", known), Some(vec![]));
    }
}
