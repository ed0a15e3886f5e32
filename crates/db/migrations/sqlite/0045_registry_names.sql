-- The registries' name search: each record's name terms (a Tibetan name's syllables, pairs of
-- neighbouring Chinese characters, Latin words; kernel::name_terms) and the sounds each
-- Tibetan syllable is typed as (ཤིས: shi, shis), so that a name is found by its Tibetan
-- spelling, its Extended Wylie, its phonetic spelling or its Chinese. Kept in the transaction
-- that writes the record; the migration indexes the records already held.
CREATE TABLE registry_name_terms (
    registry TEXT NOT NULL,
    term TEXT NOT NULL,
    subject TEXT NOT NULL,
    PRIMARY KEY (registry, term, subject)
) WITHOUT ROWID;

CREATE TABLE registry_name_sounds (
    sound TEXT NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (sound, term)
) WITHOUT ROWID;
