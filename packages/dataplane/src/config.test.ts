import { describe, expect, it } from 'vitest';
import { loadDataplaneConfig } from './config.ts';

const secrets = { RELAY_KEY_SECRET: 'k'.repeat(32), RELAY_INTERNAL_TOKEN: 't'.repeat(32) };

describe('loadDataplaneConfig', () => {
  it('has documented defaults', () => {
    const config = loadDataplaneConfig(secrets);
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', controlplaneUrl: null, clickhouseUrl: null, maxBodyBytes: 8 * 1024 * 1024 });
  });

  it('refuses missing secrets and bad values, naming each', () => {
    expect(() => loadDataplaneConfig({})).toThrow(/RELAY_INTERNAL_TOKEN is required[\s\S]*RELAY_KEY_SECRET is required/);
    const attempt = () => loadDataplaneConfig({ ...secrets, DATAPLANE_PORT: '-1', MAX_BODY_BYTES: 'lots', CONTROLPLANE_URL: 'nope' });
    expect(attempt).toThrow(/DATAPLANE_PORT[\s\S]*CONTROLPLANE_URL[\s\S]*MAX_BODY_BYTES/);
  });

  it('sizes the upstream gate: per-organisation share defaults to three quarters of the per-origin limit, never above it', () => {
    expect(loadDataplaneConfig(secrets)).toMatchObject({ upstreamMaxConnectionsPerOrigin: 4096, upstreamMaxConnectionsPerOrg: 3072, upstreamQueueMaxPerOrigin: 4096, upstreamQueueTimeoutMs: 30_000 });
    expect(loadDataplaneConfig({ ...secrets, UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN: '10' })).toMatchObject({ upstreamMaxConnectionsPerOrigin: 10, upstreamMaxConnectionsPerOrg: 8 });
    expect(() => loadDataplaneConfig({ ...secrets, UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN: '10', UPSTREAM_MAX_CONNECTIONS_PER_ORG: '11' })).toThrow(/UPSTREAM_MAX_CONNECTIONS_PER_ORG must not exceed/);
  });
});
