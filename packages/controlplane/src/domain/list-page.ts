import { InputError } from './input-error.ts';
import { isUuid } from './input-schemas.ts';

/**
 * Page size of the configuration lists (keys, teams, providers, model aliases, pricing rules).
 * Every list the API answers is bounded (issue 6): a larger `first` is refused, never clamped.
 * The default is the maximum, so a client that never pages still gets everything an ordinary
 * organisation has; one with more pages with `after`.
 */
export const LIST_PAGE_SIZE = { min: 1, max: 1000, default: 1000 } as const;

/** One page of a configuration list: at most `first` rows after the row with id `after`. */
export interface ListPage {
  first: number;
  after: string | null;
}

/**
 * Checks the `first` and `after` arguments of a list.
 * @throws InputError naming `first` when it is outside 1–1000, or `after` when it is not an id.
 */
export function checkListPage(first: number | null | undefined, after: string | null | undefined): ListPage {
  const size = first ?? LIST_PAGE_SIZE.default;
  if (!Number.isInteger(size) || size < LIST_PAGE_SIZE.min || size > LIST_PAGE_SIZE.max) {
    throw new InputError(`\`first\` must be a whole number from ${LIST_PAGE_SIZE.min} to ${LIST_PAGE_SIZE.max}.`, 'BAD_USER_INPUT', 'first');
  }
  if (after !== null && after !== undefined && !isUuid(after)) throw afterNotInList();
  return { first: size, after: after ?? null };
}

/** The error for an `after` that is not a row of the list being paged. */
export function afterNotInList(): InputError {
  return new InputError('`after` must be the id of a row of this list (the last one of the previous page).', 'BAD_USER_INPUT', 'after');
}

/**
 * Prisma's cursor paging for a page: `take` rows after the cursor row, in the list's order.
 * Callers check first that `after` is a row of the same list (same org, same filter): Prisma
 * would otherwise page from wherever another org's row sorts.
 */
export function prismaPage(page: ListPage): { take: number; cursor?: { id: string }; skip?: number } {
  return page.after === null ? { take: page.first } : { take: page.first, cursor: { id: page.after }, skip: 1 };
}
