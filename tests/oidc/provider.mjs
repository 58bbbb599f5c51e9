// OpenID Connect provider for integration tests, on loopback.
// Env: PORT, REDIRECT_URI (of the node under test), CLIENT_ID, CLIENT_SECRET, AUDIENCE,
// ACCESS_TTL (seconds), PEER_CLIENTS (JSON [{client_id, client_secret}]: clients of peer nodes
// that get access tokens with the client-credentials grant; their tokens' sub is the client id).
// Any e-mail signs in through the dev login form (password ignored); sub = e-mail; the e-mail
// counts as verified (email_verified) unless it starts with "unverified".
// Access tokens are JWTs (typ at+jwt) for the requested resource (RFC 8707 `resource`), by
// default AUDIENCE (resource indicators). Each start signs with a new key.
// Listens first (PORT 0: a port the system picks, so no test races for a free port), then
// prints "ready <issuer>" with the port it got. Each step of the start is timed on stderr,
// which the tests show when the provider is not ready in time (a rare stall, cause unknown).
import http from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';

const step = (what) => console.error(`provider: ${what} at ${Math.round(process.uptime() * 1000)} ms`);
step('started');
const { default: Provider } = await import('oidc-provider');
step('oidc-provider loaded');

const port = Number(process.env.PORT || 0);
const audience = process.env.AUDIENCE || 'wijkwijzer';
const accessTtl = Number(process.env.ACCESS_TTL || 300);
const peerClients = JSON.parse(process.env.PEER_CLIENTS || '[]').map((c) => ({
  client_id: c.client_id,
  client_secret: c.client_secret,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_basic',
}));

// A fresh signing key (and kid) per start, so a restart rotates keys.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
step('signing key generated');

const makeProvider = (issuer) => new Provider(issuer, {
  jwks: { keys: [signingKey] },
  clients: [{
    client_id: process.env.CLIENT_ID || 'wijkwijzer',
    client_secret: process.env.CLIENT_SECRET || 'test-secret',
    redirect_uris: [process.env.REDIRECT_URI || 'http://127.0.0.1/auth/callback'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }, ...peerClients],
  pkce: { required: () => true },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: id, email_verified: !id.startsWith('unverified') }),
  }),
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resourceIndicator) => ({
        scope: 'openid email',
        audience: resourceIndicator,
        accessTokenFormat: 'jwt',
        accessTokenTTL: accessTtl,
      }),
    },
  },
  ttl: { AccessToken: accessTtl, IdToken: 300 },
});

const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  step('listening');
  server.on('request', makeProvider(issuer).callback());
  step('provider configured');
  console.log(`ready ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
