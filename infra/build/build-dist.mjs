// `pnpm build`: compiles the server packages (shared, dataplane, controlplane) to JavaScript in
// packages/<name>/dist, so production runs plain `node` without the TypeScript loader (issue 11:
// tsx costs idle memory and start-up time in every process). Each file is transpiled on its own
// (the tsconfig sets isolatedModules, so that is exactly what tsx does too); types are checked by
// `pnpm typecheck`, not here. Relative `./x.ts` imports become `./x.js`; imports of
// `@proxystacks/<pkg>/<path>` resolve to dist through the packages' `relay-dist` export
// condition, which the compiled `relay` turns on (`node --conditions=relay-dist`).
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ts = createRequire(join(root, 'package.json'))('typescript');
const PACKAGES = ['shared', 'dataplane', 'controlplane'];
const compilerOptions = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2023,
  verbatimModuleSyntax: true,
  rewriteRelativeImportExtensions: true,
  sourceMap: false,
};

async function* sourceFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else yield path;
  }
}

let files = 0;
for (const name of PACKAGES) {
  const src = join(root, 'packages', name, 'src');
  const dist = join(root, 'packages', name, 'dist');
  await rm(dist, { recursive: true, force: true });
  for await (const file of sourceFiles(src)) {
    if (file.endsWith('.test.ts')) continue;
    const target = join(dist, relative(src, file));
    await mkdir(dirname(target), { recursive: true });
    if (!file.endsWith('.ts')) {
      await cp(file, target);
      continue;
    }
    const { outputText, diagnostics } = ts.transpileModule(await readFile(file, 'utf8'), { compilerOptions, fileName: file, reportDiagnostics: true });
    if (diagnostics?.length) {
      throw new Error(`${relative(root, file)}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')}`);
    }
    await writeFile(target.replace(/\.ts$/, '.js'), outputText);
    files += 1;
  }
}
process.stdout.write(`Compiled ${files} files into packages/{${PACKAGES.join(',')}}/dist\n`);
