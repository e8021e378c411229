import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

interface PackageJson {
  readonly name: string;
  readonly workspaces?: string[];
  readonly scripts?: Record<string, string>;
}

const readPackage = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;

/** The smallest unit test file under `src/` (pure, fast): proof enough that the runner finds tests. */
function smallestUnitTest(dir: string): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.ts') && !entry.name.endsWith('.int.test.ts'))
        files.push(path);
    }
  };
  walk(join(dir, 'src'));
  const smallest = files.sort((a, b) => statSync(a).size - statSync(b).size)[0];
  if (!smallest) throw new Error(`${dir} has no unit test under src/`);
  return relative(dir, smallest);
}

const tested = (readPackage(root).workspaces ?? [])
  .map((ws) => ({ ws, dir: join(root, ws), pkg: readPackage(join(root, ws)) }))
  .filter(({ pkg }) => pkg.scripts?.test !== undefined);

describe('per-package test commands', () => {
  it('covers every workspace that has tests', () => {
    expect(tested.map(({ pkg }) => pkg.name)).toEqual(
      expect.arrayContaining([
        '@tailslide/contracts',
        '@tailslide/sdk-node',
        '@tailslide/tower-server',
        '@tailslide/airbag',
        '@tailslide/tower-ui',
      ]),
    );
  });

  it.each(tested)('`cd $ws && npm test -- <file>` runs that package’s test', async ({ dir }) => {
    const file = smallestUnitTest(dir);
    const { stdout } = await run('npm', ['test', '--', file], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    expect(stdout).toContain(file);
    expect(stdout).toMatch(/Test Files\s+1 passed \(1\)/);
  });

  it('`npm test -w <workspace>` from the root runs the same tests', async () => {
    const { stdout } = await run('npm', ['test', '-w', 'airbag', '--', 'src/config.test.ts'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    expect(stdout).toMatch(/Test Files\s+1 passed \(1\)/);
  });
});
