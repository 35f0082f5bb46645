// `npm run token -- <userId> [--email E] [--name N] [--ttl SECONDS] [--unverified]`: prints a sign-in token for the local stack, nothing else.
import { parseArgs } from "node:util";
import { keyFile, readClockOffset } from "./paths";
import { loadIssuer, localAudience } from "./tokens";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    email: { type: "string" },
    name: { type: "string" },
    ttl: { type: "string" },
    unverified: { type: "boolean" },
  },
});
const sub = positionals[0];
if (!sub) {
  console.error("usage: npm run token -- <userId> [--email E] [--name N] [--ttl SECONDS] [--unverified]");
  process.exit(2);
}
const port = Number(process.env.PORT ?? 3000);
const issuer = await loadIssuer(keyFile, `http://127.0.0.1:${port}`, localAudience);
// Issued on the service clock, which `POST /_local/clock` may have moved.
const issuedAt = Math.floor((Date.now() + readClockOffset()) / 1000);
const token = await issuer.mint(
  // The address is verified, as an identity provider says after a confirmation mail; --unverified says it is not.
  { sub, email: values.email ?? `${sub}@example.com`, email_verified: !values.unverified, name: values.name ?? sub },
  { issuedAt, expiresInSeconds: Number(values.ttl ?? 12 * 3600) },
);
process.stdout.write(`${token}\n`);
