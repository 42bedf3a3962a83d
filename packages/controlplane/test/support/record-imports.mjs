// `node --import ./record-imports.mjs …`: prints `import <url>` on stderr for every module the
// process resolves (a module.register resolve hook, chained before tsx's). Tests use it to prove
// what a command does NOT load (issue 11: a typo in the configuration must not wait for Prisma,
// PGlite and chDB to load before it is reported).
import { register } from 'node:module';

const hook = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  process.stderr.write('import ' + resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
