import type { RunningRelay } from '../runtime/start-relay.ts';

/**
 * What `relay start` prints: where everything is, then the demo key and the admin token each
 * alone on its own line (easy to copy, easy to pick out with grep), then a request to try.
 */
export function printStartBanner(relay: RunningRelay): void {
  const lines = [
    'ProxyStacks Relay is running.',
    `  Data plane (OpenAI-compatible): ${relay.dataplaneUrl}/v1`,
    `  Console:                        ${relay.controlplaneUrl}/`,
    `  GraphQL:                        ${relay.controlplaneUrl}/graphql`,
    '',
  ];
  if (relay.demoKey !== null) lines.push('Demo API key:', relay.demoKey);
  lines.push('Admin token (console sign-in, GraphQL):', relay.adminToken, '');
  if (relay.demoKey !== null) {
    lines.push(
      'Try it:',
      `  curl ${relay.dataplaneUrl}/v1/chat/completions -H 'Authorization: Bearer ${relay.demoKey}' ` +
        `-d '{"model":"relay-mini","messages":[{"role":"user","content":"Hello, Relay."}],"stream":true}'`,
      '',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
