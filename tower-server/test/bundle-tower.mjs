// Node 20 cannot run TypeScript: tests and benchmarks that need Tower in a separate `node` process
// bundle its sources (and the workspace packages they import) into ESM with rolldown. npm packages
// stay imports, resolved from the workspace's node_modules, so the output goes inside the repo.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'rolldown';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Bundles `input` (rolldown `input`: a path or `{ name: path }`) into `output` (rolldown `output`). */
export async function bundleTower({ input, output }) {
  const migrations = pathToFileURL(join(packageDir, 'migrations')).href;
  await build({
    input,
    platform: 'node',
    external: (dep) => !/^[./\0]/.test(dep) && !dep.startsWith('@tailslide/'),
    resolve: { conditionNames: ['source', 'import', 'default'] },
    plugins: [
      {
        // Tower finds its SQL migrations next to its sources; point the bundle at them.
        name: 'tower-migrations-dir',
        transform(code, file) {
          if (!file.endsWith(join('tower-server', 'src', 'db.ts'))) return null;
          const from = "new URL('../migrations', import.meta.url)";
          if (!code.includes(from)) throw new Error('tower-server/src/db.ts: MIGRATIONS_DIR moved');
          return code.replace(from, `new URL(${JSON.stringify(migrations)})`);
        },
      },
    ],
    output: { format: 'esm', ...output },
    logLevel: 'warn',
  });
}
