import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** How to fork the data plane child: its entry file and the Node flags it needs. */
export interface ChildCommand {
  entry: string;
  execArgv: string[];
}

/**
 * The data plane child's entry and flags. From the TypeScript sources (`pnpm relay`, tests) the
 * child runs them through tsx's loader, found from here rather than from the working directory;
 * from the compiled build (`pnpm build`, then `node --conditions=relay-dist …`) it runs the
 * compiled entry with the parent's own flags, which carry the export condition.
 */
export function dataplaneChildCommand(): ChildCommand {
  const entry = require.resolve('@proxystacks/dataplane/embedded/dataplane-child');
  if (entry.endsWith('.js')) return { entry, execArgv: [...process.execArgv] };
  return { entry, execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href] };
}
