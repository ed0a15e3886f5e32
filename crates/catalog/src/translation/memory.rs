//! The translation memory: approved translations with their sentences' character pairs, to
//! offer a translator the nearest ones ("this sentence is 80% like one translated before").

use db::{Db, DbError};
use kernel::likeness::{dice as likeness, pairs};

use super::{Translation, by_state};

/// Earlier translations offered for a sentence at least this much alike (Dice coefficient of
/// character pairs).
pub const SUGGEST_AT: f64 = 0.5;

/// An earlier approved translation of a sentence like this one.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub source: String,
    pub text: String,
    /// 0..=100.
    pub percent: u32,
}

/// The memory: approved translations with their sentences' pairs, to offer the nearest.
pub struct Memory {
    entries: Vec<(Translation, Vec<(char, char)>)>,
}

impl Memory {
    pub async fn load(db: &Db) -> Result<Memory, DbError> {
        Ok(Memory {
            entries: by_state(db, "approved")
                .await?
                .into_iter()
                .map(|t| {
                    let p = pairs(&t.source);
                    (t, p)
                })
                .collect(),
        })
    }

    /// Up to `n` earlier translations of sentences at least [`SUGGEST_AT`] alike, the most
    /// alike first.
    pub fn nearest(&self, source: &str, n: usize) -> Vec<Suggestion> {
        let p = pairs(source);
        let mut found: Vec<Suggestion> = self
            .entries
            .iter()
            .filter(|(t, _)| t.source != source)
            .filter_map(|(t, q)| {
                let l = likeness(&p, q);
                (l >= SUGGEST_AT).then(|| Suggestion {
                    source: t.source.clone(),
                    text: t.text.clone(),
                    percent: (l * 100.0).round() as u32,
                })
            })
            .collect();
        found.sort_by(|a, b| b.percent.cmp(&a.percent).then(a.source.cmp(&b.source)));
        found.truncate(n);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_offers_alike_sentences_first() {
        let memory = Memory {
            entries: [
                ("西藏自治区拉萨市城关区八廓街道办公楼一层", "A"),
                ("西藏自治区拉萨市城关区吉日街道办公楼一层", "B"),
                ("居民身份证", "C"),
            ]
            .iter()
            .enumerate()
            .map(|(i, (s, t))| {
                (
                    Translation {
                        id: i as i64,
                        source: (*s).to_owned(),
                        text: (*t).to_owned(),
                        state: "approved".into(),
                        proposed_by: String::new(),
                        proposed_at: String::new(),
                        reviewed_by: String::new(),
                        reviewed_at: String::new(),
                        note: String::new(),
                    },
                    pairs(s),
                )
            })
            .collect(),
        };
        let near = memory.nearest("西藏自治区拉萨市城关区扎细街道办公楼一层", 3);
        assert_eq!(near.len(), 2, "{near:?}");
        assert!(near[0].percent >= 80 && near[0].percent < 100, "{near:?}");
        assert!(memory.nearest("营业执照", 3).is_empty());
    }
}
