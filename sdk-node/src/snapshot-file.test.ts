import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SnapshotFile, readSnapshotFile, writeSnapshotFile } from './snapshot-file.js';
import { createTestFlagManager, testFlagRule } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'tailslide-snap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('snapshot file', () => {
  it('round-trips rules and leaves no temp file behind', async () => {
    const file = join(dir, 'a.json');
    const rules = [
      testFlagRule({ appId: 'shop', flagKey: 'a' }),
      testFlagRule({ appId: 'shop', flagKey: 'b', version: 4 }),
    ];
    await writeSnapshotFile(file, 'shop', rules);
    await writeSnapshotFile(file, 'shop', rules.slice(1));
    const snap = await readSnapshotFile(file, 'shop');
    expect(snap?.rules).toEqual(rules.slice(1));
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('returns null for a missing file and rejects a foreign or corrupt one', async () => {
    expect(await readSnapshotFile(join(dir, 'none.json'), 'shop')).toBeNull();
    const file = join(dir, 'b.json');
    await writeSnapshotFile(file, 'other', []);
    await expect(readSnapshotFile(file, 'shop')).rejects.toThrow(/belongs to app other/);
    writeFileSync(file, '{"format":');
    await expect(readSnapshotFile(file, 'shop')).rejects.toThrow();
  });

  it('a corrupt snapshot is reported through error and the manager starts empty', async () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, 'garbage');
    const { manager } = createTestFlagManager({ appId: 'shop', snapshotFile: file });
    const codes: string[] = [];
    manager.on('error', (e) => codes.push(e.code));
    expect(await manager.initialize()).toEqual({ status: 'ready', flags: 0 });
    expect(codes).toEqual(['snapshot_failed', 'no_flags']);
    await manager.close();
    expect((await readSnapshotFile(file, 'shop'))?.rules).toEqual([]);
  });

  it('SnapshotFile saves a burst of changes once, with the rules of the moment it saves, and on close', async () => {
    const file = join(dir, 'debounced.json');
    let rules = [testFlagRule({ appId: 'shop', flagKey: 'a' })];
    let reads = 0;
    const snapshot = new SnapshotFile({
      path: file,
      appId: 'shop',
      debounceMs: 60_000, // never fires here: close() writes what is pending
      rules: () => {
        reads++;
        return rules;
      },
      onError: (message) => {
        throw new Error(message);
      },
    });
    snapshot.schedule();
    rules = [...rules, testFlagRule({ appId: 'shop', flagKey: 'b' })];
    snapshot.schedule();
    await snapshot.close();
    expect(reads).toBe(1);
    expect((await readSnapshotFile(file, 'shop'))?.rules.map((r) => r.flagKey)).toEqual(['a', 'b']);
    await snapshot.close(); // nothing pending: no second write
    expect(reads).toBe(1);
  });
});
