/**
 * The `relay` command (`pnpm relay <command>` from the repository root). The only module that
 * reads process.env and process.argv; everything below it takes configuration as arguments.
 *
 * Each command imports only what it runs, when it runs (issue 11): `relay dataplane` never
 * loads the control plane (Prisma, GraphQL, PGlite), and `relay help` loads nothing, so a data
 * plane starts small and the usage text prints at once.
 */

const USAGE = `Usage: pnpm relay <command>

Commands:
  start          Both planes in one process on embedded defaults (PGlite, chDB, mock provider)
  dataplane      The data plane alone (needs CONTROLPLANE_URL, RELAY_INTERNAL_TOKEN, RELAY_KEY_SECRET)
  controlplane   The control plane alone (DATABASE_URL, CLICKHOUSE_URL, secrets from the environment)
  migrate        Apply Postgres and ClickHouse migrations, then exit
  rotate-master-key
                 Re-seal every stored provider credential under a new master key (one transaction).
                 Embedded: generates the key into the secrets file (stop \`relay start\` first).
                 External: new key in RELAY_MASTER_KEY, old one in RELAY_MASTER_KEY_PREVIOUS.
  setup-link <email>
                 A new one-time console set-up link for a user (sets their password); earlier
                 unused links stop working. Embedded: stop \`relay start\` first.
  reconcile [--from <ISO>] [--to <ISO>] [--period hour|day] [--scope organization|team|project|key]
                 Compare the ledger's request debits with ClickHouse's cost per period and scope
                 (default: last 24 h, hourly, per organisation). Exit 0: none differ; 1: differences
                 listed. Embedded: stop \`relay start\` first (or use the ledgerReconciliation query).

Configuration is read from environment variables; see README.md.`;

interface Closable {
  close(): Promise<void>;
}

async function main(command: string | undefined): Promise<void> {
  const env = process.env;
  switch (command) {
    case 'start': {
      const [{ startRelay }, { printStartBanner }] = await Promise.all([import('../runtime/start-relay.ts'), import('./start-banner.ts')]);
      printStartBanner(await closeOnSignal(startRelay({ env })));
      return;
    }
    case 'dataplane': {
      const { runDataplaneService } = await import('@proxystacks/dataplane/workers/run-dataplane-workers');
      const onGaveUp = (reason: string) => {
        process.stderr.write(`relay: ${reason}\n`);
        process.exit(1);
      };
      await closeOnSignal(runDataplaneService(env, onGaveUp));
      return;
    }
    case 'controlplane': {
      const { runControlplane } = await import('../runtime/run-controlplane.ts');
      await closeOnSignal(runControlplane(env));
      return;
    }
    case 'migrate': {
      const { migrateAll } = await import('../runtime/migrate-all.ts');
      const applied = await migrateAll(env);
      process.stdout.write(
        `Postgres migrations applied: ${applied.postgres.length ? applied.postgres.join(', ') : 'none (up to date)'}\n` +
          `ClickHouse migrations applied: ${applied.clickhouse.length ? applied.clickhouse.join(', ') : 'none (up to date)'}\n`,
      );
      return;
    }
    case 'setup-link': {
      const { runSetupLinkCommand } = await import('../runtime/setup-link-command.ts');
      process.stdout.write(`${(await runSetupLinkCommand(env, process.argv[3])).join('\n')}\n`);
      return;
    }
    case 'reconcile': {
      const { runReconcileCommand } = await import('../runtime/reconcile-command.ts');
      const { lines, differences } = await runReconcileCommand(env, process.argv.slice(3));
      process.stdout.write(`${lines.join('\n')}\n`);
      process.exitCode = differences === 0 ? 0 : 1;
      return;
    }
    case 'rotate-master-key': {
      const { runMasterKeyRotation } = await import('../runtime/rotate-master-key-command.ts');
      process.stdout.write(`${(await runMasterKeyRotation(env)).join('\n')}\n`);
      return;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      process.stderr.write(`relay: unknown command '${command}'\n\n${USAGE}\n`);
      process.exitCode = 2;
  }
}

/**
 * SIGINT/SIGTERM close gracefully (drain events, close stores); a second signal exits at once.
 * The handlers go in before the service starts: it announces itself (the banner, "listening")
 * while starting, and a supervisor that stops it on that line must not find the default
 * handler, which would kill it without draining. A signal during start-up closes the service
 * once it is up.
 */
function closeOnSignal<T extends Closable>(starting: Promise<T>): Promise<T> {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) process.exit(130);
    closing = true;
    process.stderr.write(`relay: ${signal} received, shutting down\n`);
    starting
      .then((target) => target.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`relay: shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return starting;
}

main(process.argv[2]).catch((err: unknown) => {
  // Start-up failures (bad configuration, locked data directory, unreachable database) are
  // reported as one readable message; the stack only at debug level.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`relay: ${message}\n`);
  if (process.env.LOG_LEVEL === 'debug' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
