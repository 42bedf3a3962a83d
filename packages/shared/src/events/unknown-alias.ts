/**
 * The `alias` recorded for a request whose `model` names no alias of the caller's organisation.
 * Without one bucket, every string a client sends as `model` would become its own value of the
 * LowCardinality `alias` column, its own spend row and its own metrics series (issue 6: one key
 * made 20,000 junk rows in 13 s). The name the client sent is not kept in analytics at all: the
 * client got it back in its 404 and has it; admins see the 404s, by key, under this bucket.
 * Parentheses cannot appear in an alias an admin creates, so the bucket never collides with one.
 */
export const UNKNOWN_ALIAS = '(unknown)';
