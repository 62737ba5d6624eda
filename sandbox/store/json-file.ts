import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes of state files changed since the last flush, by file: the last change of each file wins. */
const unwritten = new Map<string, () => void>();
let flush: Promise<void> | undefined;

/**
 * Folders this process has made or found: a write checks its folder once, not on every write (under load
 * the sandbox writes thousands of times a second, and each `mkdir` is a system call). A folder removed
 * since (by hand, by a test) is made again when a write finds it missing.
 */
const knownFolders = new Set<string>();

function inFolder<R>(folder: string, write: () => R): R {
  if (!knownFolders.has(folder)) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    knownFolders.add(folder);
  }
  try {
    return write();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || existsSync(folder)) throw error;
    knownFolders.delete(folder);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    knownFolders.add(folder);
    return write();
  }
}

/** Writes `text` to `file` and waits for the disk (fsync) before returning. */
function writeDurably(file: string, text: string, flags: 'w' | 'a'): void {
  const fd = openSync(file, flags, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A rename is on disk once its folder is (POSIX: fsync the directory). */
function syncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * State under `$JIT_HOME` is written the way a crash cannot half-write it: to a temporary file in the
 * same folder, then renamed over the old one (atomic on POSIX file systems). Files are readable by their
 * owner only: the sandbox keeps its keys and (fake) credentials in them.
 *
 * Once written, a file survives the sandbox process being killed (the kernel has it). With `durable`
 * it also survives the machine stopping: the temporary file is flushed to disk (fsync) before the rename,
 * and the folder after it, so that the rename itself is kept. That costs milliseconds a write, so only
 * what the sandbox answers as accepted work waits for the disk: an event and the execution it starts.
 */
export function writeJsonAtomic(file: string, value: unknown, options: { readonly durable?: boolean } = {}): void {
  const folder = dirname(file);
  const temporary = `${file}.${process.pid}.tmp`;
  const text = `${JSON.stringify(value, null, 2)}\n`;
  inFolder(folder, () => {
    if (options.durable) writeDurably(temporary, text, 'w');
    else writeFileSync(temporary, text, { mode: 0o600 });
  });
  renameSync(temporary, file);
  if (options.durable) syncFolder(folder);
}

/** Writes `writeJsonAtomicOffThread` has started in this process: each its own temporary file. */
let offThreadWrites = 0;

/**
 * `writeJsonAtomic` (not durable) through libuv's thread pool, for a new file in a folder that exists
 * (the outbox's emails): the caller waits for it, the event loop does not. The temporary file's name is
 * the file's own plus a counter, so two writes of one process never share it.
 */
export async function writeJsonAtomicOffThread(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${process.pid}.${++offThreadWrites}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/**
 * A state file the sandbox cannot read back (cut short by a crash, edited by hand). The sandbox never
 * writes over it: the message names the file, and the user decides whether to fix or delete it.
 */
export class StateFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`${file} is not valid JSON (${problem}); fix or delete it and start again.`, options);
    this.name = 'StateFileError';
  }
}

/** A change of `file` not yet written is what the file holds, for any reader in this process. */
function writePending(file: string): void {
  const pending = unwritten.get(file);
  if (pending) {
    unwritten.delete(file);
    pending();
  }
}

export function readJson<T>(file: string, fallback: T): T {
  writePending(file);
  if (!existsSync(file)) return fallback;
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new StateFileError(file, (error as Error).message, { cause: error });
  }
}

/**
 * Appends one JSON document per line; a reader skips a torn last line. With `durable`, the line is on
 * disk (fsync) when this returns: what the sandbox has answered as accepted (an event) must survive a
 * crash; a log line (the trail) need not wait for the disk.
 */
export function appendJsonLine(file: string, value: unknown, options: { readonly durable?: boolean } = {}): void {
  // Lines of this file waiting for the flush go first: the file keeps the order of the calls.
  writePending(file);
  appendLines(file, `${JSON.stringify(value)}\n`, options.durable === true);
}

function appendLines(file: string, text: string, durable: boolean): void {
  inFolder(dirname(file), () => {
    if (durable) writeDurably(file, text, 'a');
    else appendFileSync(file, text, { mode: 0o600 });
  });
}

/** Lines appended with the next flush, by file, and whether that append waits for the disk. */
const unappended = new Map<string, { lines: string[]; durable: boolean }>();

/**
 * Appends one JSON document per line with the next flush of the state files, so before the sandbox
 * answers the request that made it (`stateFilesWritten`), with the guarantee `appendJsonLine` gives
 * (with `durable`, on disk: fsync). The lines of one flush are one write (and one fsync): under load the
 * sandbox records hundreds of calls a second in its trail and its accepted events, and each line was a
 * file opened, written and closed (an event's also an fsync). A reader of the file in this process
 * (`readJsonLines`) sees the lines at once.
 */
export function appendJsonLineSoon(file: string, value: unknown, options: { readonly durable?: boolean } = {}): void {
  const line = `${JSON.stringify(value)}\n`;
  const queued = unappended.get(file);
  if (queued) {
    queued.lines.push(line);
    queued.durable ||= options.durable === true;
    return;
  }
  unappended.set(file, { lines: [line], durable: options.durable === true });
  scheduleWrite(file, () => {
    const batch = unappended.get(file);
    unappended.delete(file);
    if (batch) appendLines(file, batch.lines.join(''), batch.durable);
  });
}

export function readJsonLines<T>(file: string): T[] {
  writePending(file);
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const values: T[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      values.push(JSON.parse(line) as T);
    } catch {
      // A line cut short by a crash; everything before it is intact.
    }
  }
  return values;
}


/**
 * Writes every changed state file now. Several changes to one file since the last flush cost one write:
 * under load (200 grants at once) the sandbox's stores were rewritten whole on every change, which made
 * each change cost as much as the whole store.
 */
export function writeChangedStateFiles(): void {
  for (const [file, write] of unwritten) {
    unwritten.delete(file);
    write();
  }
}

/** Drops a write not yet made (the file is being removed). */
export function forgetPendingWrite(file: string): void {
  unwritten.delete(file);
  unappended.delete(file);
}

/**
 * `write` replaces a write of `file` not yet made (the last change of a whole file wins), unless `alongside`:
 * then a pending write of another writer (another journal over the same file, as two engines over one home
 * in a test) is made too, before it.
 */
function scheduleWrite(file: string, write: () => void, alongside = false): void {
  const other = unwritten.get(file);
  unwritten.set(
    file,
    alongside && other && other !== write
      ? () => {
          other();
          write();
        }
      : write,
  );
  flush ??= new Promise<void>((resolve, reject) => {
    setImmediate(() => {
      flush = undefined;
      try {
        writeChangedStateFiles();
        resolve();
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
  // Whoever waits for the flush sees its failure; nobody waiting is not an unhandled rejection.
  flush.catch(() => undefined);
}

/**
 * Resolves once every change made so far is on disk: the sandbox's server answers a request only then,
 * so an answer (an accepted event, a conditional write that succeeded) is never lost by a crash after it.
 * Changes made in one turn of the event loop are written together.
 */
export function stateFilesWritten(): Promise<void> {
  return flush ?? Promise.resolve();
}

/**
 * One JSON document on disk, kept in memory and written through on every change: the change is visible
 * at once, and on disk (written whole, atomically) before the sandbox answers the request that made it
 * (see `stateFilesWritten`). The sandbox is one process, so there is no concurrent writer to guard against.
 */
export class JsonFile<T> {
  private value: T;

  constructor(
    readonly file: string,
    fallback: () => T,
  ) {
    this.value = readJson<T | undefined>(file, undefined) ?? fallback();
  }

  get(): T {
    return this.value;
  }

  /** Changes the value in place (or replaces it) and writes it through. */
  update<R>(change: (value: T) => R): R {
    const result = change(this.value);
    this.changed();
    return result;
  }

  set(value: T): void {
    this.value = value;
    this.changed();
  }

  private changed(): void {
    scheduleWrite(this.file, () => writeJsonAtomic(this.file, this.value));
  }
}

/** One change of a `JournaledRecords` file: an entry written, or (`value` absent) removed. */
interface JournalLine<V> {
  readonly key: string;
  readonly value?: V;
}

/**
 * A record of entries by key (a DynamoDB table's items) kept as a snapshot, `<file>`, plus a journal of
 * the changes since, `<file>l` (JSON lines): a change appends its entry, not the whole record, so a write
 * costs the size of the item instead of the size of the table. The journal is folded into the snapshot
 * once it holds more lines than the record has entries (and at least 200), so start-up stays short.
 *
 * Same guarantees as `JsonFile`: a change is visible at once and written with the next flush, before the
 * sandbox answers the request that made it. A journal line cut short by a crash is skipped, which loses
 * at most that unanswered change; the snapshot is replaced atomically, and a journal left over from
 * before a fold is replayed over it harmlessly (each line is the entry's whole value at that time, and
 * the last line of a key is what the snapshot holds).
 */
export class JournaledRecords<V> {
  private readonly record: Record<string, V>;
  private readonly journal: string;
  private pending: JournalLine<V>[] = [];
  private journalLines: number;

  constructor(readonly file: string) {
    this.journal = `${file}l`;
    this.record = readJson<Record<string, V>>(file, {});
    const lines = readJsonLines<JournalLine<V>>(this.journal);
    for (const line of lines) {
      if (line.value === undefined) delete this.record[line.key];
      else this.record[line.key] = line.value;
    }
    this.journalLines = lines.length;
  }

  /** The entries by key; read-only: change them with `put` and `remove`. */
  get(): Readonly<Record<string, V>> {
    return this.record;
  }

  put(key: string, value: V): void {
    this.record[key] = value;
    this.changed({ key, value });
  }

  remove(key: string): void {
    delete this.record[key];
    this.changed({ key });
  }

  private changed(line: JournalLine<V>): void {
    this.pending.push(line);
    scheduleWrite(this.journal, this.write, true);
  }

  private readonly write = (): void => {
    const lines = this.pending;
    this.pending = [];
    if (lines.length === 0) return;
    if (this.journalLines + lines.length > Math.max(200, Object.keys(this.record).length)) {
      writeJsonAtomic(this.file, this.record);
      rmSync(this.journal, { force: true });
      this.journalLines = 0;
      return;
    }
    appendLines(this.journal, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), false);
    this.journalLines += lines.length;
  };
}

/**
 * A `JsonFile` of entries by key (secrets by name, sessions by key id, schedules, queues) changed in place
 * by its callers, written as a `JournaledRecords` file is: a snapshot, `<file>`, plus a journal, `<file>l`,
 * of the entries that changed. Which entries changed is found at the flush, by comparing the JSON of each
 * entry the changes named (or of every entry, when a change named none) with what was last written, so
 * callers keep changing the value in place as with `JsonFile`. Under load a
 * whole-file store was renamed over itself once a flush (on ext4 a rename over an existing file waits for
 * its data), its size growing with every grant; now a flush appends the entries that changed. The snapshot
 * is written at the first flush when there is none, and the journal folded into it once it holds more lines
 * than the file has entries (and at least 200). Same guarantees as `JsonFile` and `JournaledRecords`.
 */
export class JournaledJsonFile<V> {
  private value: Record<string, V>;
  private readonly journal: string;
  /** Each entry's JSON as the files hold it. */
  private readonly written = new Map<string, string>();
  /**
   * The keys changed since the last flush, when every change named them (`update(change, keys)`); `all`
   * when one did not. Comparing every entry at every flush grew with the store: at N=200 the secrets'
   * store has 200 secrets, each with its versions, and a flush follows nearly every write.
   */
  private changedKeys: Set<string> | 'all' = new Set();
  private journalLines: number;
  private snapshotWritten: boolean;

  constructor(readonly file: string) {
    this.journal = `${file}l`;
    const snapshot = readJson<Record<string, V> | undefined>(file, undefined);
    this.snapshotWritten = snapshot !== undefined;
    this.value = snapshot ?? {};
    const lines = readJsonLines<JournalLine<V>>(this.journal);
    for (const line of lines) {
      if (line.value === undefined) delete this.value[line.key];
      else this.value[line.key] = line.value;
    }
    this.journalLines = lines.length;
    for (const [key, entry] of Object.entries(this.value)) this.written.set(key, JSON.stringify(entry));
  }

  get(): Record<string, V> {
    return this.value;
  }

  /**
   * Changes the value in place (or replaces it) and writes what changed with the next flush. `keys`, when
   * given, names every entry the change may have added, changed or removed (read after `change` runs, so
   * the change may fill it); without it, every entry is compared at the flush.
   */
  update<R>(change: (value: Record<string, V>) => R, keys?: readonly string[]): R {
    const result = change(this.value);
    this.changed(keys);
    return result;
  }

  set(value: Record<string, V>): void {
    this.value = value;
    this.changed();
  }

  private changed(keys?: readonly string[]): void {
    if (!keys) this.changedKeys = 'all';
    else if (this.changedKeys !== 'all') for (const key of keys) this.changedKeys.add(key);
    scheduleWrite(this.journal, this.write, true);
  }

  private readonly write = (): void => {
    const keys = this.changedKeys === 'all' ? new Set([...Object.keys(this.value), ...this.written.keys()]) : this.changedKeys;
    this.changedKeys = new Set();
    const lines: string[] = [];
    for (const key of keys) {
      if (!Object.hasOwn(this.value, key)) {
        if (this.written.delete(key)) lines.push(`${JSON.stringify({ key })}\n`);
        continue;
      }
      const json = JSON.stringify(this.value[key]);
      if (this.written.get(key) === json) continue;
      this.written.set(key, json);
      lines.push(`{"key":${JSON.stringify(key)},"value":${json}}\n`);
    }
    if (this.snapshotWritten && lines.length === 0) return;
    if (!this.snapshotWritten || this.journalLines + lines.length > Math.max(200, this.written.size)) {
      writeJsonAtomic(this.file, this.value);
      rmSync(this.journal, { force: true });
      this.snapshotWritten = true;
      this.journalLines = 0;
      return;
    }
    appendLines(this.journal, lines.join(''), false);
    this.journalLines += lines.length;
  };
}
