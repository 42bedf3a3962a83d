import { CombinedError } from '@urql/core';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { describeError } from './describe-error.ts';
import { isUnauthorized } from './client.ts';

describe('describeError', () => {
  it('shows the server message and its stable code', () => {
    const error = new CombinedError({
      graphQLErrors: [new GraphQLError('Key name must not be empty.', { extensions: { code: 'invalid_value' } })],
    });
    expect(describeError(error)).toEqual({ message: 'Key name must not be empty.', code: 'invalid_value' });
  });

  it('joins distinct messages and keeps the first code', () => {
    const error = new CombinedError({
      graphQLErrors: [
        new GraphQLError('Not found.', { extensions: { code: 'not_found' } }),
        new GraphQLError('Not found.', { extensions: { code: 'not_found' } }),
        new GraphQLError('Also bad.'),
      ],
    });
    expect(describeError(error)).toEqual({ message: 'Not found. Also bad.', code: 'not_found' });
  });

  it('says the control plane is unreachable instead of echoing the browser', () => {
    const error = new CombinedError({ networkError: new TypeError('Failed to fetch') });
    expect(describeError(error)).toEqual({
      message: 'Cannot reach the control plane. Check that Relay is running and try again.',
      code: null,
    });
  });

  it('ignores a non-string code', () => {
    const error = new CombinedError({ graphQLErrors: [new GraphQLError('Odd.', { extensions: { code: 42 } })] });
    expect(describeError(error)).toEqual({ message: 'Odd.', code: null });
  });
});

describe('isUnauthorized', () => {
  it('is true for HTTP 401', () => {
    expect(isUnauthorized({ response: { status: 401 }, graphQLErrors: [] })).toBe(true);
  });

  it('is true for the unauthenticated code', () => {
    const graphQLErrors = [new GraphQLError('Unauthorized', { extensions: { code: 'unauthenticated' } })];
    expect(isUnauthorized({ response: { status: 200 }, graphQLErrors })).toBe(true);
  });

  it('is false for other failures', () => {
    const graphQLErrors = [new GraphQLError('Bad', { extensions: { code: 'invalid_value' } })];
    expect(isUnauthorized({ response: { status: 400 }, graphQLErrors })).toBe(false);
    expect(isUnauthorized({ response: undefined, graphQLErrors: [] })).toBe(false);
  });
});
