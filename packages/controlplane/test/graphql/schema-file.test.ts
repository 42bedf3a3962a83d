import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printRelaySchema, SCHEMA_FILE } from '../../src/graphql/print-schema.ts';

describe('schema.graphql', () => {
  it('is the printed schema (run `pnpm --filter @proxystacks/controlplane print-schema` after changing it)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printRelaySchema());
  });
});
