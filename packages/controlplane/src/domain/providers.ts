import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { openSecret, sealSecret, type SecretKey, type SecretKeyring } from '@proxystacks/shared/crypto/sealed-secret';
import { ProviderHttp2, ProviderType, type Prisma, type PrismaClient, type Provider } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from './config-revision.ts';
import { InputError, parseInput, rejectDuplicate } from './input-error.ts';
import { environmentNamesSchema, httpUrlSchema, isUuid, nameSchema } from './input-schemas.ts';
import { inTransaction } from './transaction.ts';
import { afterNotInList, prismaPage, type ListPage } from './list-page.ts';
import { assertProviderUrlAllowed, type ProviderUrlGuard } from './provider-url-guard.ts';
import { extraHeaderProblem, MAX_EXTRA_HEADERS } from '@proxystacks/shared/providers/provider-presets';

/** One non-secret header sent with every request to a provider. */
export interface ExtraHeader {
  name: string;
  value: string;
}

/** Extra headers: valid names, no reserved ones (credentials, framing), no duplicates, at most MAX_EXTRA_HEADERS. */
const extraHeadersSchema = z
  .array(z.object({ name: z.string(), value: z.string() }))
  .max(MAX_EXTRA_HEADERS, `must have at most ${MAX_EXTRA_HEADERS} headers`)
  .superRefine((headers, ctx) => {
    const seen = new Set<string>();
    for (const [index, header] of headers.entries()) {
      const problem = extraHeaderProblem(header.name, header.value);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, path: [index] });
      const lower = header.name.toLowerCase();
      if (seen.has(lower)) ctx.addIssue({ code: 'custom', message: `'${header.name}' is listed twice`, path: [index] });
      seen.add(lower);
    }
  });

/** Azure's REST API versions look like `2024-10-21` or `2025-04-01-preview`. */
const apiVersionSchema = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'must look like 2024-10-21 (or 2025-04-01-preview)');

/** The stored JSON form of extra headers: one object, names as given. */
function headersJson(headers: readonly ExtraHeader[]): Record<string, string> {
  return Object.fromEntries(headers.map((h) => [h.name, h.value]));
}

/** Input of {@link createProvider}. The credential is write-only: nothing ever returns it. */
export interface CreateProviderInput {
  name: string;
  type: ProviderType;
  /** null or absent = the adapter's default (required for OPENAI_COMPATIBLE, which has none). */
  baseUrl?: string | null;
  /** API key or token for the upstream; null or absent = none (mock, local vLLM/Ollama). */
  credential?: string | null;
  /** Environment names the provider may serve; empty or absent = every environment. */
  enabledEnvironments?: string[] | null;
  /** AZURE_OPENAI only: the `api-version`; absent = the adapter's default. */
  apiVersion?: string | null;
  /** Non-secret headers for every request (e.g. OpenRouter's `X-Title`). */
  extraHeaders?: ExtraHeader[] | null;
  /** HTTP/2 to the upstream; absent = AUTO (h2 when the upstream offers it over TLS). */
  http2?: ProviderHttp2 | null;
}

const http2Schema = z.enum(ProviderHttp2, { error: 'must be AUTO or OFF' });

const createProviderSchema = z
  .object({
    name: nameSchema,
    type: z.enum(ProviderType, { error: 'is not a known provider type' }),
    baseUrl: httpUrlSchema.nullish(),
    credential: z
      .string()
      .trim()
      .min(1, 'must not be empty (omit it for a provider without one)')
      .max(4096, 'must be at most 4096 characters')
      .nullish(),
    enabledEnvironments: environmentNamesSchema.nullish(),
    apiVersion: apiVersionSchema.nullish(),
    extraHeaders: extraHeadersSchema.nullish(),
    http2: http2Schema.nullish(),
  })
  .refine((p) => p.type !== 'OPENAI_COMPATIBLE' || (p.baseUrl ?? null) !== null, {
    message: 'is required for an OPENAI_COMPATIBLE provider',
    path: ['baseUrl'],
  })
  .refine((p) => p.type !== 'AZURE_OPENAI' || (p.baseUrl ?? null) !== null, {
    message: 'is required for an AZURE_OPENAI provider (https://<resource>.openai.azure.com)',
    path: ['baseUrl'],
  })
  .refine((p) => p.type === 'AZURE_OPENAI' || (p.apiVersion ?? null) === null, {
    message: 'applies to AZURE_OPENAI providers only',
    path: ['apiVersion'],
  });

/** Sealing context of a provider's credential: a sealed value copied onto another provider fails to open. */
export function credentialContext(providerId: string): string {
  return `provider:${providerId}`;
}

/**
 * Creates a provider in `orgId`, its credential sealed under the master key. The id is chosen
 * here, before the insert, so the sealed credential can be bound to it. The base URL must pass
 * `urlGuard` (checked, and its host resolved, before the transaction opens).
 */
export async function createProvider(
  prisma: PrismaClient,
  orgId: string,
  input: CreateProviderInput,
  masterKey: SecretKey,
  urlGuard: ProviderUrlGuard,
  audit: AuditContext,
): Promise<Provider> {
  const parsed = parseInput(createProviderSchema, input);
  if (parsed.baseUrl) await assertProviderUrlAllowed(parsed.baseUrl, urlGuard);
  const id = randomUUID();
  const credentialSealed = parsed.credential ? sealSecret(parsed.credential, masterKey, credentialContext(id)) : null;
  return rejectDuplicate(
    () =>
      inTransaction(prisma, async (tx) => {
        const provider = await tx.provider.create({
          data: {
            id,
            orgId,
            name: parsed.name,
            type: parsed.type,
            baseUrl: parsed.baseUrl ?? null,
            credentialSealed,
            enabledEnvironments: parsed.enabledEnvironments ?? [],
            apiVersion: parsed.apiVersion ?? null,
            extraHeaders: headersJson(parsed.extraHeaders ?? []),
            http2: parsed.http2 ?? 'OFF',
          },
        });
        await writeAudit(tx, audit, { objectType: 'Provider', objectId: id, before: null, after: provider });
        await bumpConfigRevision(tx);
        return provider;
      }),
    `A provider named "${parsed.name}" already exists.`,
    'name',
  );
}

/**
 * Changes to a provider. Omitted fields stay as they are; `credential: null` removes the
 * credential and `baseUrl: null` returns to the adapter's default. Rotating an upstream key is
 * `{ credential: "<new key>" }`: data planes use the new one from their next snapshot.
 */
export interface UpdateProviderInput {
  name?: string | null;
  baseUrl?: string | null;
  credential?: string | null;
  /** New environment list ([] = every environment); omitted or null = unchanged. */
  enabledEnvironments?: string[] | null;
  /** AZURE_OPENAI only; null returns to the adapter's default. */
  apiVersion?: string | null;
  /** The new full list of extra headers ([] = none); omitted or null = unchanged. */
  extraHeaders?: ExtraHeader[] | null;
  /** AUTO or OFF; omitted or null = unchanged. */
  http2?: ProviderHttp2 | null;
}

const updateProviderSchema = z.object({
  name: nameSchema.optional(),
  baseUrl: httpUrlSchema.nullish(),
  credential: z.string().trim().min(1, 'must not be empty (send null to remove it)').max(4096, 'must be at most 4096 characters').nullish(),
  enabledEnvironments: environmentNamesSchema.nullish(),
  apiVersion: apiVersionSchema.nullish(),
  extraHeaders: extraHeadersSchema.nullish(),
  http2: http2Schema.nullish(),
});

/**
 * Updates a provider of `orgId`; the credential is sealed again, bound to the provider's id.
 * A new base URL must pass `urlGuard`.
 * The audit entry's `after` carries `credential` when the call set or removed one: the redactor
 * shows it as '[redacted]' (or null when removed), so the trail records a rotation without the
 * secret — the sealed column alone reads '[redacted]' before and after either way.
 */
export async function updateProvider(
  prisma: PrismaClient,
  orgId: string,
  id: string,
  input: UpdateProviderInput,
  masterKey: SecretKey,
  urlGuard: ProviderUrlGuard,
  audit: AuditContext,
): Promise<Provider> {
  const parsed = parseInput(updateProviderSchema, { ...input, name: input.name ?? undefined });
  if (parsed.baseUrl) await assertProviderUrlAllowed(parsed.baseUrl, urlGuard);
  return rejectDuplicate(
    () =>
      inTransaction(prisma, async (tx) => {
        const existing = isUuid(id) ? await tx.provider.findFirst({ where: { id, orgId } }) : null;
        if (!existing) throw new InputError('No provider with this id in your organization.', 'NOT_FOUND', 'id');
        const baseUrl = parsed.baseUrl === undefined ? existing.baseUrl : parsed.baseUrl;
        if ((existing.type === 'OPENAI_COMPATIBLE' || existing.type === 'AZURE_OPENAI') && baseUrl === null) {
          throw new InputError(`An ${existing.type} provider needs a base URL.`, 'BAD_USER_INPUT', 'baseUrl');
        }
        if (existing.type !== 'AZURE_OPENAI' && parsed.apiVersion !== undefined && parsed.apiVersion !== null) {
          throw new InputError('apiVersion applies to AZURE_OPENAI providers only.', 'BAD_USER_INPUT', 'apiVersion');
        }
        const data: Prisma.ProviderUpdateInput = { baseUrl };
        if (parsed.apiVersion !== undefined) data.apiVersion = parsed.apiVersion;
        if (parsed.extraHeaders !== undefined && parsed.extraHeaders !== null) data.extraHeaders = headersJson(parsed.extraHeaders);
        if (parsed.http2 !== undefined && parsed.http2 !== null) data.http2 = parsed.http2;
        if (parsed.name !== undefined) data.name = parsed.name;
        if (parsed.enabledEnvironments !== undefined && parsed.enabledEnvironments !== null) data.enabledEnvironments = parsed.enabledEnvironments;
        if (parsed.credential !== undefined) {
          data.credentialSealed = parsed.credential === null ? null : sealSecret(parsed.credential, masterKey, credentialContext(id));
        }
        const updated = await tx.provider.update({ where: { id }, data });
        const after = parsed.credential === undefined ? updated : { ...updated, credential: parsed.credential };
        await writeAudit(tx, audit, { objectType: 'Provider', objectId: id, before: existing, after });
        await bumpConfigRevision(tx);
        return updated;
      }),
    `A provider with that name already exists.`,
    'name',
  );
}

/** Opens a provider's credential for the snapshot builder (with the current or, mid-rotation, the previous master key); null when it has none. */
export function openProviderCredential(
  provider: Pick<Provider, 'id' | 'credentialSealed'>,
  masterKey: SecretKey | SecretKeyring,
): string | null {
  if (provider.credentialSealed === null) return null;
  return openSecret(provider.credentialSealed, masterKey, credentialContext(provider.id));
}

/** Providers of `orgId`, by name. `query` is Pothos' include/select. */
export async function listProviders(
  prisma: PrismaClient,
  orgId: string,
  page: ListPage,
  query: { include?: Prisma.ProviderInclude; select?: Prisma.ProviderSelect } = {},
): Promise<Provider[]> {
  if (page.after !== null && (await prisma.provider.count({ where: { orgId, id: page.after } })) === 0) throw afterNotInList();
  return prisma.provider.findMany({
    ...query,
    where: { orgId },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    ...prismaPage(page),
  } as Prisma.ProviderFindManyArgs);
}
