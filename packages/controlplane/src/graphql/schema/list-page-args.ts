import { LIST_PAGE_SIZE } from '../../domain/list-page.ts';

/** Descriptions of the `first`/`after` arguments every configuration list takes. */
export const LIST_PAGE_ARG_DESCRIPTIONS = {
  first: `Page size, ${LIST_PAGE_SIZE.min}–${LIST_PAGE_SIZE.max} (default ${LIST_PAGE_SIZE.default}); a larger value is an error. A full page may have more after it.`,
  after: 'The `id` of the last row of the previous page.',
} as const;
