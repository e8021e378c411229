import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { parseFlagRule, type FlagRule } from '@tailslide/contracts';

/** Format marker of the snapshot file. */
const SNAPSHOT_FORMAT = 'tailslide-sdk-snapshot';
const SNAPSHOT_VERSION = 1;

/** What a snapshot file held. */
export interface SnapshotContents {
  readonly appId: string;
  readonly savedAt: string;
  readonly rules: FlagRule[];
  /** Entries that failed to parse and were skipped. */
  readonly skipped: number;
}

/**
 * Writes the rules atomically: a temp file beside the target is written, fsynced and renamed over
 * it, so a reader (or a crash) never sees a half-written file.
 */
export async function writeSnapshotFile(
  path: string,
  appId: string,
  rules: readonly FlagRule[],
): Promise<void> {
  const body = JSON.stringify({
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    appId,
    savedAt: new Date().toISOString(),
    rules,
  });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(body, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Reads a snapshot written by {@link writeSnapshotFile}. Resolves `null` when the file does not
 * exist; rejects when it exists but is not a snapshot of `appId` (the caller reports it).
 */
export async function readSnapshotFile(
  path: string,
  appId: string,
): Promise<SnapshotContents | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const data = JSON.parse(text) as unknown;
  if (typeof data !== 'object' || data === null) throw new Error('snapshot is not a JSON object');
  const o = data as Record<string, unknown>;
  if (o.format !== SNAPSHOT_FORMAT || o.version !== SNAPSHOT_VERSION)
    throw new Error('not a Tailslide SDK snapshot');
  if (o.appId !== appId)
    throw new Error(`snapshot belongs to app ${String(o.appId)}, not ${appId}`);
  if (!Array.isArray(o.rules)) throw new Error('snapshot has no rules array');
  const rules: FlagRule[] = [];
  let skipped = 0;
  for (const r of o.rules as unknown[]) {
    const parsed = parseFlagRule(r);
    if (parsed.ok && parsed.value.appId === appId) rules.push(parsed.value);
    else skipped++;
  }
  return { appId, savedAt: typeof o.savedAt === 'string' ? o.savedAt : '', rules, skipped };
}

/** Options of {@link SnapshotFile}. */
export interface SnapshotFileOptions {
  readonly path: string;
  readonly appId: string;
  /** The rules to save, read when a save runs (so a burst of changes is saved once). */
  readonly rules: () => readonly FlagRule[];
  /** Quiet time after a change before the file is written. @default 1000 */
  readonly debounceMs?: number | undefined;
  /** Receives a failed read or write (never throws). */
  readonly onError: (message: string, err: unknown) => void;
}

/**
 * The manager's snapshot file: loaded once at start, saved (atomically, debounced) after rules
 * change, and saved one last time on close. Its timer is unref'd; writes never overlap.
 */
export class SnapshotFile {
  readonly #opts: SnapshotFileOptions;
  readonly #debounceMs: number;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(opts: SnapshotFileOptions) {
    this.#opts = opts;
    this.#debounceMs = opts.debounceMs ?? 1000;
  }

  /** The file's path. */
  get path(): string {
    return this.#opts.path;
  }

  /** Reads the snapshot; `null` when there is none or it cannot be read (reported). */
  async load(): Promise<SnapshotContents | null> {
    try {
      return await readSnapshotFile(this.#opts.path, this.#opts.appId);
    } catch (err) {
      this.#opts.onError(`cannot read snapshot ${this.#opts.path}`, err);
      return null;
    }
  }

  /** Saves after `debounceMs` of quiet (a save already scheduled covers this change too). */
  schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#save();
    }, this.#debounceMs);
    this.#timer.unref();
  }

  /** Writes a pending save now and waits for every write. */
  async close(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#save();
    }
    await this.#writing;
  }

  #save(): void {
    const { path, appId } = this.#opts;
    this.#writing = this.#writing
      .then(() => writeSnapshotFile(path, appId, this.#opts.rules()))
      .catch((err: unknown) => this.#opts.onError(`cannot write snapshot ${path}`, err));
  }
}
