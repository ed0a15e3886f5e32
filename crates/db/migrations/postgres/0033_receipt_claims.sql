-- A paid notice's receipt is issued by whoever claims it first (the task beside the callback,
-- or any replica's sweep): until this instant (RFC 3339, UTC) the claimant is issuing it, and
-- no one else may; an empty claim, or one run out, is free.
ALTER TABLE pay_notices ADD COLUMN receipt_claim TEXT NOT NULL DEFAULT '';
