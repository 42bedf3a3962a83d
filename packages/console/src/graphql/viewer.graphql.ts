import { gql } from '@urql/core';
import type { Grant, Role } from '@proxystacks/shared/auth/roles';

/** Who is signed in: a user (name = email) or an API token (name = token name), and every grant they hold. */
export interface Viewer {
  id: string;
  /** `user` or `token`. */
  kind: string;
  name: string;
  /** The most powerful role held anywhere; null without grants. */
  role: Role | null;
  grants: Grant[];
}

/** The signed-in user or token; also the token sign-in's check. */
export interface ViewerData {
  viewer: Viewer;
}

export const ViewerQuery = gql<ViewerData, Record<string, never>>`
  query Viewer {
    viewer {
      id
      kind
      name
      role
      grants {
        role
        teamId
      }
    }
  }
`;
