import { ApiKeyStatus, AuditActorType, ProviderHttp2, ProviderType, Role } from '../../generated/prisma/enums.ts';
import { builder } from '../builder.ts';

export const ApiKeyStatusEnum = builder.enumType(ApiKeyStatus, { name: 'ApiKeyStatus' });
export const AuditActorTypeEnum = builder.enumType(AuditActorType, {
  name: 'AuditActorType',
  description: 'Who made a change: a signed-in USER, an API TOKEN, or SYSTEM (the control plane itself: bootstrap, CLI commands).',
});
export const ProviderTypeEnum = builder.enumType(ProviderType, { name: 'ProviderType' });
export const ProviderHttp2Enum = builder.enumType(ProviderHttp2, {
  name: 'ProviderHttp2',
  description: 'AUTO: data planes offer HTTP/2 by ALPN on TLS and fall back to HTTP/1.1 (plain http:// upstreams always get HTTP/1.1). OFF: HTTP/1.1 only, for upstreams whose HTTP/2 misbehaves.',
});
export const SpendGroupByEnum = builder.enumType('SpendGroupBy', {
  values: {
    KEY: { description: 'One row per API key (requests without a key are in the totals only).' },
    MODEL: { description: 'One row per model alias the client asked for.' },
    TEAM: { description: 'One row per team (requests no key was recognised for are in the totals only).' },
    PROJECT: { description: 'One row per project, with its team.' },
    ENVIRONMENT: {
      description: "One row per project environment (one project's `staging`), with its project and team; filter by `environment` to add up one stage across projects.",
    },
  } as const,
});
export const RequestStatusFilterEnum = builder.enumType('RequestStatusFilter', {
  values: {
    SUCCESS: { description: 'Requests answered with HTTP status below 400.' },
    ERROR: { description: 'Requests answered with HTTP status 400 or above.' },
  } as const,
});
export const RoleEnum = builder.enumType(Role, {
  name: 'Role',
  description: 'OWNER: everything, including users and roles. ADMIN: config, API tokens and billing (top-ups, adjustments, credit codes). ANALYST: reads spend, requests, config and the audit trail, never secrets. VIEWER: reads config and spend.',
});
