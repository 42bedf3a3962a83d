import { loadControlplaneConfig } from '../config.ts';
import { startControlplaneServices } from './controlplane-services.ts';
import { createLogger } from './logger.ts';
import { ownerSetupOf, urlHost } from './start-relay.ts';
import { ownerLines } from '../cli/start-banner.ts';

/** A control plane in its own process (`relay controlplane`): no data plane, no demo seed. */
export async function runControlplane(env: Record<string, string | undefined>): Promise<{ close(): Promise<void> }> {
  const config = loadControlplaneConfig(env);
  const logger = createLogger(config.logLevel, 'relay-controlplane');
  const services = await startControlplaneServices({
    config,
    logger,
    seedDemo: false,
    adminToken: config.adminToken,
    demoKey: null,
  });
  const port = await services.listen(config.port, config.host);
  const url = `http://${urlHost(config.host)}:${port}`;
  process.stdout.write(`Control plane: ${url}/ (GraphQL ${url}/graphql)\n`);
  // Only a token this process generated is shown (once: only its hash is stored). One the
  // operator supplied in RELAY_ADMIN_TOKEN is never echoed: logs keep what is printed.
  if (services.bootstrap.adminToken !== null && config.adminToken === null) {
    process.stdout.write(`Admin token (shown once, only its hash is stored):\n${services.bootstrap.adminToken}\n`);
  } else if (services.bootstrap.adminToken !== null) {
    process.stdout.write('Admin token: the one set in RELAY_ADMIN_TOKEN (registered now)\n');
  }
  // The owner's set-up link, once (the start that created the owner), as `relay start` prints it.
  const owner = ownerSetupOf(services, config.auth.publicUrl ?? url);
  if (owner !== null) process.stdout.write(`${ownerLines(owner, config.ownerEmail).join('\n')}\n`);
  return services;
}
