//! The engine over a handful of documents: what people type finds what they mean.

use super::*;

fn doc(name: &str, body: &str) -> Document {
    vec![
        (Field::Name, name.to_owned()),
        (Field::Body, body.to_owned()),
    ]
}

fn entry(term: &str, kind: Kind, means: &[&str]) -> Entry {
    let means: Vec<String> = means.iter().map(|m| (*m).to_owned()).collect();
    Entry::checked(term, kind, &means).expect("a good entry")
}

fn engine() -> Engine {
    let docs = vec![
        doc("内地居民婚姻登记 Marriage registration", "结婚的双方"),
        doc("内地居民离婚登记 Divorce registration", "离婚"),
        doc("居民身份证申领 Application for an identity card", ""),
        doc("居民身份证补领 Replacement of a lost identity card", "遗失"),
        doc("社会保障卡申领 Social security card", ""),
        doc("普通护照签发 Ordinary passport", ""),
        doc("公司设立登记 Registration of a company", ""),
        doc(
            "营业执照遗失补领 Replacement of a lost business licence",
            "",
        ),
    ];
    let lexicon = Lexicon::new([
        entry("社保", Kind::Synonym, &["社会保险", "社会保障"]),
        entry("结婚", Kind::Synonym, &["婚姻"]),
        entry("丢了", Kind::Intent, &["补领", "补发", "遗失"]),
        entry("开", Kind::Intent, &["设立"]),
        entry("办", Kind::Stop, &[]),
        entry("怎么", Kind::Stop, &[]),
    ]);
    Engine::new(&docs, lexicon)
}

fn top(e: &Engine, q: &str) -> (Vec<u32>, Found) {
    let found = e.search(q);
    (found.hits.iter().map(|h| h.doc).collect(), found)
}

#[test]
fn words_synonyms_and_intents() {
    let e = engine();
    let (docs, f) = top(&e, "社保卡");
    assert_eq!(docs.first(), Some(&4), "{:?}", f.reading);
    let (docs, f) = top(&e, "结婚登记");
    assert_eq!(docs.first(), Some(&0));
    assert_eq!(f.strong, 1, "divorce is not a strong match: {:?}", f.hits);
    let (docs, f) = top(&e, "身份证丢了怎么办");
    assert_eq!(docs.first(), Some(&3), "{:?}", f.reading);
    assert!(
        f.reading.dropped.contains(&"怎么".to_owned())
            || f.reading.dropped.contains(&"办".to_owned()),
        "{:?}",
        f.reading.dropped
    );
    let (docs, _) = top(&e, "开公司");
    assert_eq!(docs.first(), Some(&6));
    let (docs, _) = top(&e, "办身份证");
    assert_eq!(&docs[..2], &[2, 3]);
}

#[test]
fn pinyin_homophones_and_typos() {
    let e = engine();
    for (q, want) in [
        ("jiehun", 0),
        ("jie hun dengji", 0),
        ("huzhao", 5),
        ("hù zhào", 5),
        ("shebaoka", 4),
        ("身分证", 2),
        ("护找", 5),
        ("营业执造", 7),
        ("passprot", 5),
        ("sfz", 2),
    ] {
        let (docs, f) = top(&e, q);
        assert_eq!(docs.first(), Some(&want), "{q}: {:?} {:?}", docs, f.reading);
    }
    let f = e.search("jiehun");
    assert_eq!(f.reading.via, Via::Pinyin);
    assert_eq!(f.reading.read_as.as_deref(), Some("结婚"));
    let f = e.search("身分证");
    assert_eq!(f.reading.via, Via::Corrected);
}

#[test]
fn tibetan_typed_in_wylie() {
    let docs = vec![doc("ལག་ཁྱེར ID card", ""), doc("གཉེན་སྒྲིག marriage", "")];
    let e = Engine::new(&docs, Lexicon::default());
    let f = e.search("gnyen sgrig");
    assert_eq!(f.hits.first().map(|h| h.doc), Some(1), "{:?}", f.reading);
    assert_eq!(f.reading.via, Via::Wylie);
    assert_eq!(f.reading.read_as.as_deref(), Some("གཉེན་སྒྲིག"));
}

#[test]
fn tibetan_typed_as_it_sounds() {
    let docs = vec![
        doc("ལྷ་ས་གྲོང་ཁྱེར", ""),
        doc("བོད་ལྗོངས་གཞུང་དོན", ""),
        doc("གཉེན་སྒྲིག marriage", ""),
        doc("གཞིས་ཀ་རྩེ", ""),
    ];
    let e = Engine::new(&docs, Lexicon::default());
    for (q, want) in [
        ("Lhasa", 0),
        ("lha sa", 0),
        ("Bod jong", 1),
        ("bo jong", 1),
        ("nyendrik", 2),
        ("zhikatse", 3),
    ] {
        let f = e.search(q);
        assert_eq!(
            f.hits.first().map(|h| h.doc),
            Some(want),
            "{q}: {:?}",
            f.reading
        );
    }
    let f = e.search("Bod jong");
    assert_eq!(f.reading.via, Via::Phonetic);
    assert_eq!(f.reading.read_as.as_deref(), Some("བོད་ལྗོངས"));
    // Valid Wylie stays Wylie.
    assert_eq!(e.search("bod ljongs").reading.via, Via::Wylie);
}

#[test]
fn partial_matches_rank_after_whole_ones() {
    let e = engine();
    // No document is about dogs: the identity cards still come, as weak matches.
    let f = e.search("身份证 狗");
    assert!(
        f.reading.ignored.contains(&"狗".to_owned()),
        "{:?}",
        f.reading
    );
    assert!(f.strong >= 2);
    let f = e.search("婚姻 护照");
    assert_eq!(f.strong, 0);
    assert!(f.hits.len() >= 2);
}

#[test]
fn bad_queries_find_nothing_quietly() {
    let e = engine();
    for q in [
        "",
        "   ",
        "！！！。。。",
        "😀😀",
        &"证".repeat(10_000),
        "\u{0F0B}\u{0F0D}",
    ] {
        let f = e.search(q);
        assert!(f.reading.query.chars().count() <= MAX_QUERY_CHARS);
        if q.trim().is_empty() || q.starts_with('！') || q.starts_with('😀') {
            assert!(f.hits.is_empty(), "{q}");
        }
    }
    assert!(e.search(&"证".repeat(10_000)).reading.cut);
}

#[test]
fn a_meaning_held_by_most_documents_can_be_seen() {
    let e = engine();
    assert!(e.share_holding("居民") >= 0.5);
    assert!(e.share_holding("护照") < 0.2);
}
