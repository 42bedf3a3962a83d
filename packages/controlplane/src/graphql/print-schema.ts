import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildSchema } from './build-schema.ts';

// `graphql` ships a CommonJS and an ESM build. Pothos loads the CommonJS one (Node resolves
// `main`); vitest would hand this file the ESM one, and printSchema then refuses the schema
// ("from another module or realm"). Requiring it pins the build the schema was made with.
const { lexicographicSortSchema, printSchema } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** Where the printed schema is committed: `packages/controlplane/schema.graphql`. */
export const SCHEMA_FILE = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

/** The schema as SDL, sorted, exactly as committed. */
export function printRelaySchema(): string {
  return `${printSchema(lexicographicSortSchema(buildSchema()))}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, printRelaySchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
