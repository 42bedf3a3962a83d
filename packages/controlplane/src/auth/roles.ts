import type { Role as PrismaRole } from '../generated/prisma/client.ts';
import type { Role } from '@proxystacks/shared/auth/roles';

/**
 * The role → permission table lives in packages/shared so the console hides exactly what the
 * schema refuses; this module keeps the control plane's import path and names.
 */
export {
  PERMISSIONS,
  ROLES,
  ROLE_PERMISSIONS,
  can,
  canGrantRole,
  canSomewhere,
  highestRole,
  roleAtLeast,
  teamsWith,
  type Grant,
  type Permission,
  type Principal,
} from '@proxystacks/shared/auth/roles';

// The shared Role union must stay the Prisma enum, member for member, in both directions.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const ROLE_UNION_MATCHES_PRISMA: Same<Role, PrismaRole> = true;
void ROLE_UNION_MATCHES_PRISMA;
