import { gql } from '@urql/core';

/** A deployment's state as the data planes report it; null = no live data plane reports it (unknown). */
export type DeploymentState = 'ONLINE' | 'STANDBY' | 'DEGRADED' | 'DOWN';

/** What the routing page shows about one deployment (a route behind an alias). */
export interface DeploymentHealthRow {
  deploymentId: string;
  state: DeploymentState | null;
  errorRatePercent: number | null;
  recentAttempts: number | null;
  latencyAvgMs: number | null;
  ttftAvgMs: number | null;
  lastErrorCode: string | null;
  reopensAt: string | null;
  observedAt: string | null;
  instanceCount: number;
}

const FIELDS = 'deploymentId state errorRatePercent recentAttempts latencyAvgMs ttftAvgMs lastErrorCode reopensAt observedAt instanceCount';

export const DeploymentHealthQuery = gql<{ deploymentHealth: DeploymentHealthRow[] }>`
  query DeploymentHealth {
    deploymentHealth { ${FIELDS} }
  }
`;

export const DeploymentHealthSubscription = gql<{ deploymentHealthChanged: DeploymentHealthRow[] }>`
  subscription DeploymentHealthChanged {
    deploymentHealthChanged { ${FIELDS} }
  }
`;
