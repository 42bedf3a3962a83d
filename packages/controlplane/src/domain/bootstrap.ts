import { hashKey, isWellFormedKey, generateKey } from '@proxystacks/shared/keys/key-format';
import type { SecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { generateAdminToken, insertApiToken } from './api-tokens.ts';
import { ensureDefaultEnvironment } from './projects.ts';
import { bumpConfigRevision } from './config-revision.ts';
import { insertKey } from './keys.ts';
import { insertPricingRule } from './pricing.ts';
import { DEFAULT_TEAM_NAME } from './teams.ts';
import { inTransaction } from './transaction.ts';
import { DEFAULT_OWNER_EMAIL } from '../auth/auth-settings.ts';
import { systemAudit, writeAudit } from '../audit/audit-trail.ts';
import { issueSetupLink } from './setup-links.ts';

/** Name of the organization the embedded default runs in. */
export const DEFAULT_ORG_NAME = 'Default organization';

/** The demo seed: a mock provider behind `relay-mini`, priced, with one key. */
export const DEMO = {
  providerName: 'Mock provider',
  alias: 'relay-mini',
  upstreamModel: 'mock-1',
  keyName: 'Demo key',
  inputMicrosPerMTok: 150_000n,
  outputMicrosPerMTok: 600_000n,
  cachedInputMicrosPerMTok: 75_000n,
} as const;

/** Options of {@link ensureBootstrap}. */
export interface BootstrapOptions {
  keySecret: string;
  /** Unused today (the demo provider has no credential); kept so seeds with credentials can seal them. */
  masterKey: SecretKey;
  /** Admin token to make sure exists; null = create one only when there is none at all. */
  adminToken: string | null;
  seedDemo: boolean;
  /** Demo key to seed with (embedded mode keeps it across restarts); absent = generate one. */
  demoKey?: string;
  /** Email of the owner user made when the organization has no users (RELAY_OWNER_EMAIL); default owner@relay.local. */
  ownerEmail?: string;
}

/** The owner user bootstrap made, and the token of their set-up link (shown once, never stored). */
export interface OwnerSetup {
  email: string;
  setupToken: string;
  expiresAt: Date;
}

/** What bootstrap created. Secrets are returned only when created by this call, else null. */
export interface BootstrapResult {
  orgId: string;
  adminToken: string | null;
  demoKey: string | null;
  /** The owner user made by this call (the organization had no users), with their set-up link; else null. */
  ownerSetup: OwnerSetup | null;
}

/**
 * Makes a fresh database usable, idempotently: the default organization and team, an admin
 * token, and (when asked) the demo seed. One transaction, so a crash half-way leaves nothing
 * behind and the next start does it all again.
 */
export async function ensureBootstrap(prisma: PrismaClient, options: BootstrapOptions): Promise<BootstrapResult> {
  if (options.demoKey !== undefined && !isWellFormedKey(options.demoKey)) {
    throw new Error('The demo key is not a well-formed Relay key (sk-relay- and 32+ base62 characters)');
  }
  return inTransaction(prisma, async (tx) => {
    let changed = false;
    let org = await tx.organization.findFirst({ where: { name: DEFAULT_ORG_NAME }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    if (!org) {
      org = await tx.organization.create({ data: { name: DEFAULT_ORG_NAME } });
      changed = true;
    }
    let team = await tx.team.findUnique({ where: { orgId_name: { orgId: org.id, name: DEFAULT_TEAM_NAME } } });
    if (!team) {
      team = await tx.team.create({ data: { orgId: org.id, name: DEFAULT_TEAM_NAME } });
      changed = true;
    }
    const environment = await ensureDefaultEnvironment(tx, org.id, team.id);
    const adminToken = await ensureAdminToken(tx, org.id, options);
    const ownerSetup = await ensureOwnerUser(tx, org.id, options);
    const demoKey = options.seedDemo ? await seedDemo(tx, org.id, environment, options) : null;
    if (changed || demoKey !== null) await bumpConfigRevision(tx);
    return { orgId: org.id, adminToken, demoKey, ownerSetup };
  });
}

/** The bootstrap token: organization-wide owner, no expiry (it works until revoked or rotated). */
const OWNER_TOKEN = { role: 'OWNER', teamId: null, expiresAt: null, createdByUserId: null } as const;

async function ensureAdminToken(tx: Prisma.TransactionClient, orgId: string, options: BootstrapOptions): Promise<string | null> {
  if (options.adminToken !== null) {
    const exists = await tx.apiToken.findUnique({ where: { hash: hashKey(options.adminToken, options.keySecret) } });
    if (exists) return null;
    await insertApiToken(tx, { ...OWNER_TOKEN, orgId, name: 'Configured admin token', token: options.adminToken }, options.keySecret);
    return options.adminToken;
  }
  if ((await tx.apiToken.count()) > 0) return null;
  const token = generateAdminToken();
  await insertApiToken(tx, { ...OWNER_TOKEN, orgId, name: 'Initial admin token', token }, options.keySecret);
  return token;
}

/**
 * An organization without any user gets an owner (a fresh install, or the first start after
 * the upgrade that introduced users) with a set-up link, so whoever started the relay can sign
 * in to the console at once. Audited as SYSTEM.
 */
async function ensureOwnerUser(tx: Prisma.TransactionClient, orgId: string, options: BootstrapOptions): Promise<OwnerSetup | null> {
  if ((await tx.user.count({ where: { orgId } })) > 0) return null;
  const email = (options.ownerEmail ?? DEFAULT_OWNER_EMAIL).trim().toLowerCase();
  // The email may belong to a user of another organization of a shared installation.
  if ((await tx.user.count({ where: { email } })) > 0) return null;
  const user = await tx.user.create({ data: { orgId, email, name: 'Owner' } });
  const grant = await tx.roleGrant.create({ data: { orgId, userId: user.id, role: 'OWNER', teamId: null } });
  const { token, link } = await issueSetupLink(tx, user.id, options.keySecret);
  const audit = systemAudit(orgId, 'bootstrap', 'bootstrap');
  await writeAudit(tx, audit, { objectType: 'User', objectId: user.id, before: null, after: user });
  await writeAudit(tx, audit, { objectType: 'RoleGrant', objectId: grant.id, before: null, after: grant });
  await writeAudit(tx, audit, { objectType: 'SetupLink', objectId: link.id, before: null, after: link });
  return { email, setupToken: token, expiresAt: link.expiresAt };
}

/** Seeds the demo once; returns the demo key's secret, or null when the seed already existed. */
async function seedDemo(tx: Prisma.TransactionClient, orgId: string, environment: { id: string; projectId: string }, options: BootstrapOptions): Promise<string | null> {
  const existing = await tx.provider.findUnique({ where: { orgId_name: { orgId, name: DEMO.providerName } } });
  if (existing) return null;
  const provider = await tx.provider.create({
    data: { orgId, name: DEMO.providerName, type: 'MOCK', baseUrl: null, credentialSealed: null },
  });
  await tx.modelAlias.create({
    data: {
      orgId,
      alias: DEMO.alias,
      routes: { create: [{ providerId: provider.id, upstreamModel: DEMO.upstreamModel, priority: 0, weight: 1 }] },
    },
  });
  await insertPricingRule(tx, {
    providerId: provider.id,
    model: DEMO.upstreamModel,
    inputMicrosPerMTok: DEMO.inputMicrosPerMTok,
    outputMicrosPerMTok: DEMO.outputMicrosPerMTok,
    cachedInputMicrosPerMTok: DEMO.cachedInputMicrosPerMTok,
  });
  const project = await tx.project.findUniqueOrThrow({ where: { id: environment.projectId } });
  const { secret } = await insertKey(tx, { orgId, teamId: project.teamId, projectId: project.id, environmentId: environment.id, name: DEMO.keyName, secret: options.demoKey ?? generateKey() }, options.keySecret);
  return secret;
}
