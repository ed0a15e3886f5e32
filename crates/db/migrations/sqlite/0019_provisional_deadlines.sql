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
