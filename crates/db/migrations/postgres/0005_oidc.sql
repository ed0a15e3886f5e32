-- The OpenID Connect provider: registered clients (department systems), signing keys with
-- rotation, authorization codes, refresh-token families, consents, stable subjects, and
-- revoked access tokens (kept until they would have expired anyway).
CREATE TABLE oidc_clients (
    client_id TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_bo TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT '',
    -- SM3 of the secret, hex; NULL for a public client (PKCE only).
    secret_hash TEXT,
    redirect_uris TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL DEFAULT '',
    scopes TEXT NOT NULL,
    grant_types TEXT NOT NULL,
    first_party BIGINT NOT NULL DEFAULT 0,
    id_token_alg TEXT NOT NULL DEFAULT 'RS256',
    created_at TEXT NOT NULL,
    disabled_at TEXT
);

CREATE TABLE oidc_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    -- PKCS#8 DER, hex.
    private_der TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- Set when a newer key takes over signing; the key stays published until tokens it
    -- signed have expired.
    retired_at TEXT
);

CREATE TABLE oidc_subjects (
    account_id BIGINT PRIMARY KEY REFERENCES accounts(id),
    sub TEXT NOT NULL UNIQUE
);

CREATE TABLE oidc_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES oidc_clients(client_id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    session_hash TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    code_challenge TEXT,
    acr TEXT NOT NULL,
    auth_time BIGINT NOT NULL,
    entity_id BIGINT,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

CREATE TABLE oidc_refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family TEXT NOT NULL,
    client_id TEXT NOT NULL REFERENCES oidc_clients(client_id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    session_hash TEXT NOT NULL,
    scope TEXT NOT NULL,
    acr TEXT NOT NULL,
    auth_time BIGINT NOT NULL,
    entity_id BIGINT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX oidc_refresh_family ON oidc_refresh_tokens(family);
CREATE INDEX oidc_refresh_session ON oidc_refresh_tokens(session_hash);

CREATE TABLE oidc_consents (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    client_id TEXT NOT NULL REFERENCES oidc_clients(client_id),
    scope TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (account_id, client_id)
);

CREATE TABLE oidc_revoked (
    jti TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
