-- A due date reckoned on a year whose holiday arrangement was not yet announced rests on the
-- provisional calendar the law fixes (kernel::calendar::statutory): it is marked, and when
-- the arrangement is loaded it is recomputed (never earlier than what the applicant was told).
ALTER TABLE cases ADD COLUMN due_provisional INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_tasks ADD COLUMN due_provisional INTEGER NOT NULL DEFAULT 0;

-- A calendar year's note in Tibetan and English, so that no reader meets it in Chinese.
ALTER TABLE calendar_years ADD COLUMN note_bo TEXT NOT NULL DEFAULT '';
ALTER TABLE calendar_years ADD COLUMN note_en TEXT NOT NULL DEFAULT '';
UPDATE calendar_years
   SET note_bo = 'ཞོ་སྟོན་དུས་ཆེན་གྱི་གསེང་གཏོང་ཚེས་གྲངས་ད་དུང་ནང་འཇུག་བྱས་མེད།',
       note_en = 'the Shoton festival''s holiday dates are not loaded yet'
 WHERE note = '雪顿节放假日期尚未载入';

-- Switches an administrator turns (the bootstrap login switched off once an administrator
-- official exists), each with who set it and when.
CREATE TABLE platform_flags (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL
);

-- Grants (refresh-token families) revoked after a replayed code or refresh token, a revoked
-- refresh token or an ended session: their access tokens carry the family's digest (`fam`)
-- and die with it.
CREATE TABLE oidc_revoked_families (
    family TEXT PRIMARY KEY,
    revoked_at TEXT NOT NULL
);

-- What a certificate's SM2 signature covers: 1, the canonical text's SM3 digest (as issued
-- before); 2, the canonical text itself (GB/T 32918.2 SM2 with SM3, what standard verifiers
-- check). Old certificates keep 1 and keep verifying.
ALTER TABLE certificates ADD COLUMN signature_format INTEGER NOT NULL DEFAULT 1;
