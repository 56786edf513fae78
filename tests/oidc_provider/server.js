// A real OpenID Provider for chartdraft's single sign-on tests: panva's certified
// oidc-provider (8.8.1, the last release line that supports Node.js 20), one confidential
// client, a static list of accounts, and the library's development login and consent pages.
//
//   node server.js PORT REDIRECT_URI
//
// The issuer is http://127.0.0.1:PORT. OIDC_CLIENT_SECRET overrides the test client's secret.
// Test use only: in-memory storage, development signing keys, any password accepted.
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const redirectUri = process.argv[3] ?? process.env.OIDC_REDIRECT_URI;
if (!Number.isInteger(port) || port <= 0 || !redirectUri) {
  console.error('usage: node server.js PORT REDIRECT_URI');
  process.exit(2);
}

// Sign in as NAME, or as NAME+TAG: the tag goes into the e-mail's local part
// (lee+ab12 is dr.lee+ab12@riverside.example), so each test can use addresses of its own.
const ACCOUNTS = {
  lee: { email: 'dr.lee@riverside.example', email_verified: true },
  former: { email: 'former@riverside.example', email_verified: true },
  stranger: { email: 'stranger@elsewhere.example', email_verified: true },
  unverified: { email: 'dr.lee@riverside.example', email_verified: false },
};

function account(id) {
  const [name, tag] = id.split('+', 2);
  const profile = ACCOUNTS[name];
  if (!profile) return undefined;
  const [local, domain] = profile.email.split('@');
  const email = tag ? `${local}+${tag}@${domain}` : profile.email;
  return { ...profile, email };
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'chartdraft',
    client_secret: process.env.OIDC_CLIENT_SECRET ?? 'test-only-client-secret-0123456789',
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // Put the e-mail claims in the ID token itself (most providers do); chartdraft reads them there.
  conformIdTokenClaims: false,
  pkce: { methods: ['S256'], required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['test-only-cookie-key-0123456789'] },
  async findAccount(ctx, id) {
    const claims = account(id);
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
