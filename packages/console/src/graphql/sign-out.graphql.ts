import { gql } from '@urql/core';

/** Ends every session of a user (`userId`), or of the caller when it is omitted; answers how many ended. */
export const SignOutEverywhereMutation = gql<{ signOutEverywhere: number }, { userId?: string }>`
  mutation SignOutEverywhere($userId: ID) {
    signOutEverywhere(userId: $userId)
  }
`;
