import { gql } from '@urql/core';

/** The signed-in admin; also the sign-in page's token check. */
export interface ViewerData {
  viewer: { id: string; name: string };
}

export const ViewerQuery = gql<ViewerData, Record<string, never>>`
  query Viewer {
    viewer {
      id
      name
    }
  }
`;
