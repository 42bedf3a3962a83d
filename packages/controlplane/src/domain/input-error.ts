import type { z } from 'zod';
import type { ErrorCode } from '@proxystacks/shared/errors/error-codes';
import { Prisma } from '../generated/prisma/client.ts';

/** What kind of caller mistake an {@link InputError} reports; GraphQL shows it as `extensions.code`. */
export type InputErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'forbidden' | Extract<ErrorCode, 'idempotency_key_reused'>;

/** The one refusal every field gives a caller whose role or scope does not allow it (graphql/builder.ts). */
export function forbidden(): InputError {
  return new InputError('Your role does not allow this here.', 'forbidden');
}

/**
 * A caller mistake: bad input, a name already taken, an id that is not in the caller's org.
 * Its message is written for the caller and holds no secret, so the GraphQL layer shows it
 * as is; every other error is masked.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    message: string,
    readonly code: InputErrorCode = 'BAD_USER_INPUT',
    /** Dotted path of the offending input field, when there is one. */
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** Parses `value` with `schema`, or throws an InputError naming the first bad field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue && issue.path.length > 0 ? issue.path.join('.') : null;
  const message = issue ? (param ? `${param}: ${issue.message}` : issue.message) : 'Invalid input.';
  throw new InputError(message, 'BAD_USER_INPUT', param);
}

/** True when `err` is Prisma's unique-constraint violation (P2002). */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

/**
 * Runs `work`, turning a unique-constraint violation into an InputError with `message`, so a
 * taken name is reported to the caller instead of surfacing as an internal error.
 */
export async function rejectDuplicate<T>(work: () => Promise<T>, message: string, param: string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err)) throw new InputError(message, 'BAD_USER_INPUT', param);
    throw err;
  }
}
