// A node oidc-provider (a certified OpenID Provider) configured for the side-by-side
// client-credentials benchmark: one confidential client and its default in-memory store.
// TOKEN_FORMAT=opaque (the default, as the issue measured it) issues its default opaque access
// tokens, kept in that store; TOKEN_FORMAT=jwt issues RS256-signed JWT access tokens, the same
// work Yiwang does per token. Used only by scripts/bench-vs-node-oidc-provider.sh; never part
// of the platform.
//
// Usage: [TOKEN_FORMAT=jwt] node node-oidc-provider.mjs PORT
//        (run where `npm install oidc-provider@9` was done)
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 3000);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'bench-rs256' };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'bench',
    client_secret: 'bench-secret',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: process.env.TOKEN_FORMAT === 'jwt',
      defaultResource: () => 'urn:bench',
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: 'urn:bench',
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
});
provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${port}`));
