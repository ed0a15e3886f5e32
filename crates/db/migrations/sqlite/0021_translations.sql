-- Tibetan for the catalogue's free text (issue 20): a translation memory kept against the
-- Chinese sentence it renders, proposed by a data steward and approved by someone else before
-- it shows; and guide views per standardized item and ISO week (no one's identity), which
-- order the queue of what still lacks Tibetan.

-- state: proposed, approved (at most one per sentence), rejected (note says why) or replaced
-- (by a later approved translation).
CREATE TABLE translations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lang TEXT NOT NULL,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    state TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE UNIQUE INDEX translations_approved ON translations (lang, source) WHERE state = 'approved';
CREATE INDEX translations_source ON translations (lang, source, state);

CREATE TABLE guide_views (
    basic_code TEXT NOT NULL,
    week TEXT NOT NULL,
    views INTEGER NOT NULL,
    PRIMARY KEY (basic_code, week)
);
