import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * State under `$JIT_HOME` is written the way a crash cannot half-write it: to a temporary file in the
 * same folder, then renamed over the old one (atomic on POSIX file systems). Files are readable by their
 * owner only: the sandbox keeps its keys and (fake) credentials in them.
 */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
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

export function readJson<T>(file: string, fallback: T): T {
  if (!existsSync(file)) return fallback;
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new StateFileError(file, (error as Error).message, { cause: error });
  }
}

/** Appends one JSON document per line; a reader skips a torn last line. */
export function appendJsonLine(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${JSON.stringify(value)}\n`, { mode: 0o600 });
}

export function readJsonLines<T>(file: string): T[] {
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
 * One JSON document on disk, kept in memory and written through on every change. The sandbox is one
 * process, so there is no concurrent writer to guard against.
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
    writeJsonAtomic(this.file, this.value);
    return result;
  }

  set(value: T): void {
    this.value = value;
    writeJsonAtomic(this.file, value);
  }
}
