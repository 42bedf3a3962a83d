import type { IncomingMessage, ServerResponse } from 'node:http';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { deploymentHealthBatchSchema, MAX_HEALTH_BATCH_BYTES } from '@proxystacks/shared/health/deployment-health-schema';
import { readValidatedBody, sendInternalError } from '../internal/read-validated-body.ts';
import type { DeploymentHealthStore } from './deployment-health-store.ts';

const REQUEST_ID = 'internal-health';

/**
 * POST DEPLOYMENT_HEALTH_PATH (the caller's internal token is already checked): 204 once the
 * batch is its instance's latest; 400 naming the first bad field, 413 past
 * MAX_HEALTH_BATCH_BYTES, 503 `server_overloaded` when a new instance would exceed the bound
 * on tracked instances (the data plane retries at its next interval).
 */
export async function serveDeploymentHealth(req: IncomingMessage, res: ServerResponse, store: DeploymentHealthStore): Promise<void> {
  const batch = await readValidatedBody(req, res, { maxBytes: MAX_HEALTH_BATCH_BYTES, schema: deploymentHealthBatchSchema, what: 'Deployment health batch', requestId: REQUEST_ID });
  if (batch === null) return;
  if (!store.accept(batch)) {
    return sendInternalError(res, new RelayError('server_overloaded', 'Too many data plane instances are reporting deployment health; retry later.'), REQUEST_ID);
  }
  res.writeHead(204).end();
}
