-- One grants model (issue 21, item 3). What a department system could read of a register
-- through its registry grant — every item, sensitive ones in clear or masked as the grant
-- said — becomes a standing data grant of its department on the register's catalogue
-- resource (101001/000001, 102001/000001), naming that system, with no request behind it
-- (given by the region's administrator, as the registry grant was), no purpose of its own
-- (the system states one on each call, as before), the whole region as its scope, in force
-- until revoked. What remains of a registry grant is a system grant: which API a system may
-- call and which department it acts for there (`system_grants`, one row per client and
-- scope).

ALTER TABLE data_grants ALTER COLUMN request_id DROP NOT NULL;

INSERT INTO data_grants (request_id, consumer, provider, resource, body, valid_from, valid_to, granted_by, granted_at)
SELECT CAST(NULL AS BIGINT), department, '540000-public-security', '101001/000001',
    '{"systems":["' || replace(replace(client_id, '\', '\\'), '"', '\"') || '"],' ||
    CASE WHEN clear_sensitive = 1
        THEN '"items":[{"key":"person_id","masking":"clear"},{"key":"name_zh","masking":"clear"},{"key":"name_bo","masking":"clear"},{"key":"gender","masking":"clear"},{"key":"ethnicity","masking":"clear"},{"key":"birth_date","masking":"clear"},{"key":"household_division","masking":"clear"},{"key":"household_address","masking":"clear"},{"key":"residence_division","masking":"clear"},{"key":"residence_address","masking":"clear"},{"key":"mobile","masking":"clear"},{"key":"marital_status","masking":"clear"},{"key":"education","masking":"clear"},{"key":"health_insurance","masking":"clear"},{"key":"income_band","masking":"clear"},{"key":"social_security","masking":"clear"},{"key":"assistance","masking":"clear"},{"key":"poverty","masking":"clear"},{"key":"disability","masking":"clear"},{"key":"death_date","masking":"clear"}],"purpose":"","scope":"540000","conditions":"","quota":0,"salt":""}'
        ELSE '"items":[{"key":"person_id","masking":"masked"},{"key":"name_zh","masking":"masked"},{"key":"name_bo","masking":"masked"},{"key":"gender","masking":"clear"},{"key":"ethnicity","masking":"masked"},{"key":"birth_date","masking":"clear"},{"key":"household_division","masking":"clear"},{"key":"household_address","masking":"masked"},{"key":"residence_division","masking":"clear"},{"key":"residence_address","masking":"masked"},{"key":"mobile","masking":"masked"},{"key":"marital_status","masking":"clear"},{"key":"education","masking":"clear"},{"key":"health_insurance","masking":"masked"},{"key":"income_band","masking":"masked"},{"key":"social_security","masking":"clear"},{"key":"assistance","masking":"masked"},{"key":"poverty","masking":"masked"},{"key":"disability","masking":"masked"},{"key":"death_date","masking":"clear"}],"purpose":"","scope":"540000","conditions":"","quota":0,"salt":""}'
    END,
    substr(granted_at, 1, 10), '9999-12-31', granted_by, granted_at
FROM registry_grants WHERE registry = 'population' ORDER BY client_id;

INSERT INTO data_grants (request_id, consumer, provider, resource, body, valid_from, valid_to, granted_by, granted_at)
SELECT CAST(NULL AS BIGINT), department, '540000-market-regulation', '102001/000001',
    '{"systems":["' || replace(replace(client_id, '\', '\\'), '"', '\"') || '"],' ||
    CASE WHEN clear_sensitive = 1
        THEN '"items":[{"key":"credit_code","masking":"clear"},{"key":"name","masking":"clear"},{"key":"kind","masking":"clear"},{"key":"legal_representative","masking":"clear"},{"key":"registered_capital","masking":"clear"},{"key":"business_scope","masking":"clear"},{"key":"address","masking":"clear"},{"key":"division","masking":"clear"},{"key":"established","masking":"clear"},{"key":"status","masking":"clear"},{"key":"structure","masking":"clear"},{"key":"shareholders","masking":"clear"},{"key":"industry","masking":"clear"},{"key":"assets_band","masking":"clear"},{"key":"tax_status","masking":"clear"},{"key":"revenue_band","masking":"clear"},{"key":"employees","masking":"clear"},{"key":"talent","masking":"clear"},{"key":"products","masking":"clear"},{"key":"org_code","masking":"clear"},{"key":"business_reg_no","masking":"clear"},{"key":"tax_no","masking":"clear"}],"purpose":"","scope":"540000","conditions":"","quota":0,"salt":""}'
        ELSE '"items":[{"key":"credit_code","masking":"clear"},{"key":"name","masking":"clear"},{"key":"kind","masking":"clear"},{"key":"legal_representative","masking":"clear"},{"key":"registered_capital","masking":"clear"},{"key":"business_scope","masking":"clear"},{"key":"address","masking":"clear"},{"key":"division","masking":"clear"},{"key":"established","masking":"clear"},{"key":"status","masking":"clear"},{"key":"structure","masking":"clear"},{"key":"shareholders","masking":"clear"},{"key":"industry","masking":"clear"},{"key":"assets_band","masking":"masked"},{"key":"tax_status","masking":"clear"},{"key":"revenue_band","masking":"masked"},{"key":"employees","masking":"clear"},{"key":"talent","masking":"clear"},{"key":"products","masking":"clear"},{"key":"org_code","masking":"clear"},{"key":"business_reg_no","masking":"clear"},{"key":"tax_no","masking":"clear"}],"purpose":"","scope":"540000","conditions":"","quota":0,"salt":""}'
    END,
    substr(granted_at, 1, 10), '9999-12-31', granted_by, granted_at
FROM registry_grants WHERE registry = 'entities' ORDER BY client_id;

ALTER TABLE registry_grants DROP COLUMN clear_sensitive;
ALTER TABLE registry_grants RENAME COLUMN registry TO scope;
ALTER TABLE registry_grants RENAME TO system_grants;
