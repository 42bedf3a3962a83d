import { displayPrefix } from '@proxystacks/shared/keys/key-format';
import { ADMIN_TOKEN_PREFIX } from '../domain/api-tokens.ts';
import type { RunningRelay } from '../runtime/start-relay.ts';

/** Characters of the admin token's random part shown on later starts, as for API keys. */
const ADMIN_TOKEN_SHOWN_CHARS = 6;

/**
 * What `relay start` prints: where everything is, then the demo key, the admin token and how
 * to sign in to the console (the owner's set-up link, see {@link ownerLines}). A
 * secret is printed whole only by the start that created it (each alone on its own line, easy
 * to copy); later starts print its first characters and a command that reads it from
 * secrets.json, because terminal scrollback, CI logs and `docker logs` keep whatever is printed.
 * An admin token from RELAY_ADMIN_TOKEN is never printed: the operator already has it.
 */
export function printStartBanner(relay: RunningRelay): void {
  const lines = [
    'ProxyStacks Relay is running.',
    `  Data plane (OpenAI-compatible): ${relay.dataplaneUrl}/v1`,
    `  Console:                        ${relay.controlplaneUrl}/`,
    `  GraphQL:                        ${relay.controlplaneUrl}/graphql`,
    '',
  ];
  const read = (field: 'demoKey' | 'adminToken') => `node -p 'require(process.argv[1]).${field}' ${shellQuote(relay.secretsFile)}`;
  if (relay.demoKey !== null) {
    if (relay.created.demoKey) lines.push(`Demo API key (shown this once; kept in ${relay.secretsFile}):`, relay.demoKey);
    else lines.push(`Demo API key: ${displayPrefix(relay.demoKey)}… (print it with: ${read('demoKey')})`);
  }
  if (relay.adminTokenFromEnv) lines.push('Admin token (console sign-in, GraphQL): the one set in RELAY_ADMIN_TOKEN');
  else if (relay.created.adminToken) lines.push(`Admin token (console sign-in, GraphQL; shown this once; kept in ${relay.secretsFile}):`, relay.adminToken);
  else {
    const shown = relay.adminToken.slice(0, ADMIN_TOKEN_PREFIX.length + ADMIN_TOKEN_SHOWN_CHARS);
    lines.push(`Admin token (console sign-in, GraphQL): ${shown}… (print it with: ${read('adminToken')})`);
  }
  lines.push(...ownerLines(relay.ownerSetup, relay.ownerEmail), '');
  if (relay.demoKey !== null) {
    const bearer = relay.created.demoKey ? `'Authorization: Bearer ${relay.demoKey}'` : `"Authorization: Bearer $(${read('demoKey')})"`;
    lines.push(
      'Try it:',
      `  curl ${relay.dataplaneUrl}/v1/chat/completions -H ${bearer} ` +
        `-d '{"model":"relay-mini","messages":[{"role":"user","content":"Hello, Relay."}],"stream":true}'`,
      '',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * How a person signs in to the console: the owner's set-up link, whole, only on the start that
 * created it (it is single-use and only its hash is stored, so it cannot be shown again); then,
 * and on every later start, how to get a fresh one.
 */
export function ownerLines(owner: RunningRelay['ownerSetup'], ownerEmail: string): string[] {
  const email = owner?.email ?? ownerEmail;
  const renew = `(a new set-up link: pnpm relay setup-link ${email})`;
  if (owner === null) return [`Console sign-in: ${email} with its password ${renew}`];
  return [
    `Console sign-in: ${email}; open this set-up link to choose the password (shown this once, valid until ${owner.expiresAt.toISOString()}):`,
    owner.setupUrl,
    `Lost it? ${renew.slice(1, -1)}`,
  ];
}

/** A POSIX shell word for `value`: single-quoted, embedded quotes closed and escaped. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
