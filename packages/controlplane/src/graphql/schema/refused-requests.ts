import { checkRequestLimit, decodeRequestCursor, listRequests } from '../../analytics/request-log-query.ts';
import { InputError } from '../../domain/input-error.ts';
import { isInstallationOrg } from '../../domain/installation-org.ts';
import type { ScopeLabels } from '../../domain/scope-labels.ts';
import { builder } from '../builder.ts';
import { RequestLogPageRef, toEntry } from './request-log.ts';

/** What a key hash id looks like: 16 lowercase hex digits (request_events.key_hash_id). */
const KEY_HASH_ID_PATTERN = /^[0-9a-f]{16}$/;

builder.queryFields((t) => ({
  refusedRequests: t.field({
    // Installation-wide security data: needs the audit permission on the organization.
    authScopes: { org: 'audit:read' },
    type: RequestLogPageRef,
    description:
      "Requests refused because their key is unknown to every organization (so no organization's request log has them), over [from, to), newest first: who tried which key, by its prefix and hash id, never the secret. Only the installation's own organization (the oldest) sees them; any other organization gets an empty page.",
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      keyHashId: t.arg.string({ description: "One unknown key's requests: its `keyHashId` (16 hex digits)." }),
      first: t.arg.int({ description: 'Page size, 1–200 (default 50).' }),
      after: t.arg.string({ description: '`nextCursor` of the previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      const limit = checkRequestLimit(args.first, 'first');
      if (args.after !== null && args.after !== undefined) decodeRequestCursor(args.after, 'after');
      // A malformed hash id matches nothing; refusing it names the mistake instead of an empty page.
      if (args.keyHashId !== null && args.keyHashId !== undefined && !KEY_HASH_ID_PATTERN.test(args.keyHashId)) {
        throw new InputError('`keyHashId` is 16 lowercase hex digits.', 'BAD_USER_INPUT', 'keyHashId');
      }
      if (!(await isInstallationOrg(ctx.prisma, ctx.principal.orgId))) return { entries: [], nextCursor: null };
      const page = await listRequests(ctx.deps.clickhouse, {
        // Events whose key no organization recognised carry org_id ''.
        orgId: '',
        scope: { visibleTeams: 'all' },
        from: args.from,
        to: args.to,
        keyHashId: args.keyHashId ?? null,
        limit,
        before: args.after ?? null,
      });
      // Nothing to name: no organization owns these events.
      const labels: ScopeLabels = { teams: new Map(), projects: new Map(), keys: new Map(), providers: new Map() };
      return { entries: page.events.map((event) => toEntry(event, labels)), nextCursor: page.nextCursor };
    },
  }),
}));
