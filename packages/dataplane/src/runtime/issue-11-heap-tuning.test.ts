import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const tuning = join(import.meta.dirname, 'heap-tuning.ts');

/**
 * A child process that keeps every object one literal site makes (so V8's pretenuring feedback
 * has a site whose objects all survive), with V8 tracing its pretenuring decisions. With
 * `disable` it first calls disableAllocationSitePretenuring, as createDataplane does.
 */
async function pretenuringTrace(disable: boolean): Promise<string> {
  const script = [
    `const { disableAllocationSitePretenuring } = await import(${JSON.stringify(tuning)});`,
    disable ? 'disableAllocationSitePretenuring();' : '',
    'const kept = [];',
    'const make = (i) => ({ i, list: [i], name: "x" + i });',
    'for (let i = 0; i < 1_000_000; i++) kept.push(make(i));',
    'process.stdout.write("kept " + kept.length + "\\n");',
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--trace-pretenuring', '--trace-pretenuring-statistics', '--input-type=module', '-e', script], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

describe('issue 11: the data plane runs without allocation-site pretenuring', () => {
  it('V8 digests pretenuring feedback by default, and not at all once it is disabled', async () => {
    const [withDefault, disabled] = await Promise.all([pretenuringTrace(false), pretenuringTrace(true)]);
    // The control proves the workload reaches V8's pretenuring decisions on this Node version;
    // setFlagsFromString ignores a flag V8 no longer knows, so this also catches a rename.
    expect(withDefault).toContain('kept 1000000');
    expect(withDefault).toMatch(/pretenuring: AllocationSite\(/);
    expect(disabled).toContain('kept 1000000');
    expect(disabled).not.toMatch(/pretenuring: AllocationSite\(/);
  }, 60_000);
});
