-- A grant's daily quota counts the calls it answered today: read by grant and time.
CREATE INDEX exchange_access_log_grant ON exchange_access_log (grant_id, at);
