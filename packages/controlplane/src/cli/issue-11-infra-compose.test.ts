import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadDataplaneConfig } from '@proxystacks/dataplane/config';
import { loadControlplaneConfig } from '../config.ts';

/**
 * Issue 11: infra/docker-compose.yml (Postgres, ClickHouse, migrate, a control plane, N data
 * planes behind HAProxy, Prometheus and Grafana) checked as far as a machine without Docker
 * allows: parsed, interpolated from infra/.env.example the way compose does, and every relay
 * service's environment run through the relay's own configuration loader (only variables the
 * relay reads, every required one present and valid), then cross-checked with the load balancer,
 * Prometheus and the stores it points at.
 */

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../../..');
const INFRA = join(ROOT, 'infra');
const read = (path: string) => readFileSync(join(INFRA, path), 'utf8');

type Env = Record<string, string>;
type Loader = (env: Record<string, string | undefined>) => unknown;
/** The loader each `relay <command>` run by compose validates its environment with. */
const LOADERS: Record<string, Loader> = { dataplane: loadDataplaneConfig, controlplane: loadControlplaneConfig, migrate: loadControlplaneConfig };

/** KEY=value lines of a dotenv file (comments and blank lines skipped). */
function parseDotenv(text: string): Env {
  const out: Env = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) out[match[1]!] = match[2]!;
  }
  return out;
}

/** Compose's interpolation: $$, ${X}, ${X:-default}, ${X-default}, ${X:?error}, ${X?error}. */
function interpolate(text: string, vars: Env): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$';
    const value = vars[name!];
    const unset = op?.startsWith(':') ? value === undefined || value === '' : value === undefined;
    if (op?.endsWith('?') && unset) throw new Error(`compose: ${name} ${arg}`);
    if (op?.endsWith('-') && unset) return arg ?? '';
    return value ?? '';
  });
}

function interpolateAll<T>(node: T, vars: Env): T {
  if (typeof node === 'string') return interpolate(node, vars) as T;
  if (Array.isArray(node)) return node.map((item) => interpolateAll(item, vars)) as T;
  if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, vars)])) as T;
  return node;
}

/** Every variable `loader` reads from an environment (recorded through a Proxy), starting from `env`. */
function namesRead(loader: Loader, env: Env): Set<string> {
  const seen = new Set<string>();
  const proxy = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') seen.add(name);
      return target[name as string];
    },
  });
  try {
    loader(proxy);
  } catch {
    // A missing required value still counts as read.
  }
  return seen;
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Env;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas: string | number };
  stop_grace_period?: string;
  restart?: string;
  secrets?: Array<{ source: string; target: string }>;
  profiles?: string[];
}
interface Compose {
  services: Record<string, Service>;
  secrets: Record<string, { environment: string }>;
}

const composeText = read('docker-compose.yml');
const example = parseDotenv(read('.env.example'));
const requiredVars = [...new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]!))];
const filled: Env = { ...example, ...Object.fromEntries(requiredVars.map((name) => [name, randomBytes(32).toString('hex')])) };
const compose = interpolateAll(parse(composeText, { merge: true }) as Compose, filled);
const relayServices = Object.entries(compose.services).filter(([, s]) => s.build?.dockerfile === 'infra/Dockerfile');
const serviceEnv = (name: string): Env => compose.services[name]!.environment ?? {};
const seconds = (text: string) => Number(/^(\d+)s$/.exec(text)?.[1] ?? Number.NaN);
const haproxy = read('haproxy/haproxy.cfg');

describe('infra/docker-compose.yml', () => {
  it('commits no secret: every required variable is empty in .env.example, infra/.env is ignored, and compose refuses to start without them', () => {
    expect(requiredVars.sort()).toEqual(['CLICKHOUSE_PASSWORD', 'GRAFANA_ADMIN_PASSWORD', 'POSTGRES_PASSWORD', 'RELAY_INTERNAL_TOKEN', 'RELAY_KEY_SECRET', 'RELAY_MASTER_KEY']);
    for (const name of requiredVars) expect(example[name], name).toBe('');
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('infra/.env');
    expect(() => interpolateAll(parse(composeText, { merge: true }), example)).toThrow(/set .* in infra\/\.env/);
  });

  it('has the services, each relay one running a known command from the repository image', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['clickhouse', 'controlplane', 'dataplane', 'grafana', 'lb', 'migrate', 'postgres', 'prometheus']);
    expect(relayServices.map(([name, s]) => [name, s.command])).toEqual([
      ['migrate', ['migrate']],
      ['controlplane', ['controlplane']],
      ['dataplane', ['dataplane']],
    ]);
    expect(compose.services.prometheus!.profiles).toEqual(['monitoring']);
    expect(compose.services.grafana!.profiles).toEqual(['monitoring']);
    expect(Number(compose.services.dataplane!.deploy!.replicas)).toBeGreaterThanOrEqual(2);
  });

  it('gives each relay service only variables the relay reads, all of them valid, and documents each in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').filter((line) => line.startsWith('| `'));
    for (const [name, service] of relayServices) {
      const loader = LOADERS[service.command![0]!]!;
      const env = service.environment!;
      const known = namesRead(loader, env);
      for (const variable of Object.keys(env)) {
        expect(known.has(variable), `${name}: ${variable} is not read by the relay`).toBe(true);
        expect(readme.some((line) => line.includes(`\`${variable}\``)), `${variable} in README's configuration table`).toBe(true);
      }
      // Every required variable present and every value valid: the loader accepts it.
      expect(() => loader(env), name).not.toThrow();
    }
  });

  it('points the planes at each other and at the stores consistently', () => {
    const cp = loadControlplaneConfig(serviceEnv('controlplane'));
    const dp = loadDataplaneConfig(serviceEnv('dataplane'));
    // Shared secrets are the same variables on both planes.
    expect(dp.internalToken).toBe(cp.internalToken);
    expect(dp.keySecret).toBe(cp.keySecret);
    // The data planes find the control plane by service name and port.
    expect(dp.controlplaneUrl).toBe(`http://controlplane:${cp.port}`);
    expect(cp.host).toBe('0.0.0.0');
    expect(dp.host).toBe('0.0.0.0');
    expect(compose.services.controlplane!.ports).toEqual([`127.0.0.1:${example.RELAY_CONSOLE_PORT}:${cp.port}`]);
    // Postgres and ClickHouse credentials and database names match the store containers.
    const pg = serviceEnv('postgres');
    const db = new URL(cp.databaseUrl!);
    expect([db.hostname, db.port, db.username, db.password, db.pathname]).toEqual(['postgres', '5432', pg.POSTGRES_USER, pg.POSTGRES_PASSWORD, `/${pg.POSTGRES_DB}`]);
    const chEnv = serviceEnv('clickhouse');
    for (const [url, database] of [[cp.clickhouseUrl!, cp.clickhouseDatabase], [dp.clickhouseUrl!, dp.clickhouseDatabase]] as const) {
      const ch = new URL(url);
      expect([ch.hostname, ch.port, ch.username, ch.password, database]).toEqual(['clickhouse', '8123', chEnv.CLICKHOUSE_USER, chEnv.CLICKHOUSE_PASSWORD, chEnv.CLICKHOUSE_DB]);
    }
    expect(loadControlplaneConfig(serviceEnv('migrate'))).toMatchObject({ databaseUrl: cp.databaseUrl, clickhouseUrl: cp.clickhouseUrl, clickhouseDatabase: cp.clickhouseDatabase });
    // Each data plane replica has its own data directory (an anonymous volume per container).
    expect(compose.services.dataplane!.volumes).toEqual([dp.dataDir]);
    // Streams in flight finish before the container is killed.
    expect(seconds(compose.services.dataplane!.stop_grace_period!) * 1000).toBeGreaterThan(dp.shutdownGraceMs);
  });

  it('health-checks every long-running service and starts them in order', () => {
    const dp = loadDataplaneConfig(serviceEnv('dataplane'));
    const cp = loadControlplaneConfig(serviceEnv('controlplane'));
    for (const [name, service] of Object.entries(compose.services)) {
      if (name !== 'migrate') expect(service.healthcheck?.test, name).toBeDefined();
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = compose.services[dependency];
        expect(target, `${name} depends on ${dependency}`).toBeDefined();
        if (condition === 'service_healthy') expect(target!.healthcheck, dependency).toBeDefined();
        else expect([condition, target!.restart]).toEqual(['service_completed_successfully', 'no']);
      }
    }
    expect(compose.services.dataplane!.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${dp.port}/healthz`);
    expect(compose.services.controlplane!.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${cp.port}/healthz`);
    expect(compose.services.controlplane!.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
    expect(compose.services.dataplane!.depends_on).toEqual({ controlplane: { condition: 'service_healthy' } });
  });

  it('pins every image and builds the relay one with Node 20, pnpm install --frozen-lockfile and the relay command', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build) continue;
      expect(service.image, name).toMatch(/^[\w./-]+:v?\d+\.\d+[\w.-]*$/);
    }
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:20\.\d+\.\d+-bookworm-slim$/m);
    expect(dockerfile).toContain('RUN pnpm install --frozen-lockfile');
    const pnpm = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { packageManager: string }).packageManager;
    expect(dockerfile).toContain(`corepack prepare ${pnpm} --activate`);
    const entry = /^ENTRYPOINT \["node", "--import", "tsx", "([^"]+)"\]$/m.exec(dockerfile);
    expect(entry).not.toBeNull();
    expect(existsSync(join(ROOT, entry![1]!))).toBe(true);
    // Built from the repository root, where the lockfile is.
    expect(compose.services.dataplane!.build!.context).toBe('..');
  });
});

describe('infra/haproxy/haproxy.cfg and infra/prometheus/prometheus.yml', () => {
  it('balance over every data plane replica with /healthz checks and the edge limits the data plane expects', () => {
    const dp = loadDataplaneConfig(serviceEnv('dataplane'));
    expect(haproxy).toMatch(new RegExp(`^\\s*server-template \\w+ 1-\\d+ dataplane:${dp.port}$`, 'm'));
    expect(haproxy).toMatch(/^\s*option httpchk$/m);
    expect(haproxy).toMatch(/^\s*http-check send meth GET uri \/healthz ver HTTP\/1\.1 hdr Host \S+$/m);
    expect(haproxy).toMatch(/^\s*http-check expect status 200$/m);
    expect(Number(/tune\.http\.maxhdr (\d+)/.exec(haproxy)![1])).toBeLessThanOrEqual(40);
    expect(haproxy).toMatch(/http-request return status 414 content-type application\/json string '\{"error":\{[^']*"code":"uri_too_long"[^']*\}\}' if \{ url_len gt 8192 \}/);
    expect(haproxy).toMatch(new RegExp(`http-request return status 413 content-type application/json string '\\{"error":\\{[^']*"code":"body_too_large"[^']*\\}\\}' if \\{ req\\.hdr_val\\(content-length\\) gt ${dp.maxBodyBytes} \\}`));
    // A quiet stream is ended by the data plane (UPSTREAM_TIMEOUT_MS), never cut by the balancer.
    for (const timeout of ['server', 'client']) expect(seconds(new RegExp(`timeout ${timeout} (\\d+s)`).exec(haproxy)![1]!) * 1000).toBeGreaterThan(dp.upstreamTimeoutMs);
    // Idle kept-alive connections: the client side closes well before uWS's ~10 s.
    expect(seconds(/timeout http-keep-alive (\d+s)/.exec(haproxy)![1]!)).toBeLessThan(10);
    expect(compose.services.lb!.ports).toEqual([`${example.RELAY_HTTP_PORT}:8080`]);
    expect(haproxy).toMatch(/^\s*bind :8080$/m);
  });

  it('scrape every data plane with the internal token from a compose secret', () => {
    const dp = loadDataplaneConfig(serviceEnv('dataplane'));
    const prometheus = parse(read('prometheus/prometheus.yml')) as {
      scrape_configs: Array<{ metrics_path: string; authorization: { type: string; credentials_file: string }; dns_sd_configs: Array<{ names: string[]; port: number }> }>;
    };
    const [job] = prometheus.scrape_configs;
    expect(job!.metrics_path).toBe('/metrics');
    expect(job!.dns_sd_configs).toMatchObject([{ names: ['dataplane'], port: dp.port }]);
    const secret = compose.services.prometheus!.secrets![0]!;
    expect(job!.authorization).toEqual({ type: 'Bearer', credentials_file: `/run/secrets/${secret.target}` });
    expect(compose.secrets[secret.source]).toEqual({ environment: 'RELAY_INTERNAL_TOKEN' });
  });
});
