import fs, { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournaledJsonFile, JournaledRecords, appendJsonLine, appendJsonLineSoon, readJsonLines, stateFilesWritten, writeChangedStateFiles, writeJsonAtomicOffThread } from '../../../sandbox/store/json-file';

describe('JournaledRecords: a keyed store written as a snapshot plus a journal of changes', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'jit-journal-'));
  });
  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('appends each change, not the whole record, and a new instance reads back every change', async () => {
    // Prepare: a store with one entry already in its snapshot.
    const file = join(folder, 'table.json');
    writeFileSync(file, JSON.stringify({ a: { n: 1 } }));
    const store = new JournaledRecords<{ n: number }>(file);

    // Act: two changes and a removal, flushed as the sandbox does before it answers.
    store.put('b', { n: 2 });
    store.put('a', { n: 3 });
    store.remove('b');
    await stateFilesWritten();

    // Assess: the snapshot is untouched, the journal holds the three changes, a restart sees them.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ a: { n: 1 } });
    expect(readFileSync(`${file}l`, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(new JournaledRecords<{ n: number }>(file).get()).toEqual({ a: { n: 3 } });
  });

  it('skips a journal line cut short by a crash and keeps every change before it', () => {
    // Prepare: two whole lines and a torn one.
    const file = join(folder, 'table.json');
    appendFileSync(`${file}l`, `${JSON.stringify({ key: 'a', value: 1 })}\n${JSON.stringify({ key: 'b', value: 2 })}\n{"key":"c","val`);

    // Act
    const store = new JournaledRecords<number>(file);

    // Assess
    expect(store.get()).toEqual({ a: 1, b: 2 });
  });

  it('folds a long journal into the snapshot', () => {
    // Prepare: a store whose journal outgrows its five entries.
    const file = join(folder, 'table.json');
    const store = new JournaledRecords<number>(file);

    // Act: 250 changes, each flushed on its own.
    for (let i = 0; i < 250; i += 1) {
      store.put(`k${i % 5}`, i);
      writeChangedStateFiles();
    }

    // Assess: the journal was folded (it is shorter than the changes), and a restart sees the latest values.
    const journal = existsSync(`${file}l`) ? readFileSync(`${file}l`, 'utf8') : '';
    expect(journal.split('\n').filter(Boolean).length).toBeLessThan(200);
    expect(new JournaledRecords<number>(file).get()).toEqual({ k0: 245, k1: 246, k2: 247, k3: 248, k4: 249 });
  });

  it('replays a journal left over from a crash during a fold over the new snapshot harmlessly', () => {
    // Prepare: the snapshot already holds the journal's changes (the crash came before the journal's removal).
    const file = join(folder, 'table.json');
    writeFileSync(file, JSON.stringify({ a: 2, b: 5 }));
    appendFileSync(`${file}l`, [{ key: 'a', value: 1 }, { key: 'b' }, { key: 'a', value: 2 }, { key: 'b', value: 5 }].map((l) => `${JSON.stringify(l)}\n`).join(''));

    // Act
    const store = new JournaledRecords<number>(file);

    // Assess
    expect(store.get()).toEqual({ a: 2, b: 5 });
  });
});

describe('appendJsonLineSoon: lines appended with the next flush', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'jit-lines-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(folder, { recursive: true, force: true });
  });

  it('writes the lines of one turn in one append, with one fsync when any of them is durable', async () => {
    // Prepare
    const file = join(folder, 'nested', 'events.jsonl');
    const fsyncs = jest.spyOn(fs, 'fsyncSync');

    // Act: three lines in one turn, one of them durable, then the flush the server waits for.
    appendJsonLineSoon(file, { n: 1 });
    appendJsonLineSoon(file, { n: 2 }, { durable: true });
    appendJsonLineSoon(file, { n: 3 });
    expect(existsSync(file)).toBe(false);
    await stateFilesWritten();

    // Assess
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
    expect(fsyncs).toHaveBeenCalledTimes(1);
  });

  it('shows a reader the lines not yet written, and keeps the order of a direct append after them', () => {
    // Act
    const file = join(folder, 'trail.jsonl');
    appendJsonLineSoon(file, { n: 1 });
    appendJsonLine(file, { n: 2 });
    appendJsonLineSoon(file, { n: 3 });

    // Assess
    expect(readJsonLines(file)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    writeChangedStateFiles();
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('makes its folder again when it was removed since the last write', async () => {
    // Prepare: a first write makes the folder; then it goes.
    const file = join(folder, 'trail', 'a.jsonl');
    appendJsonLineSoon(file, { n: 1 });
    await stateFilesWritten();
    rmSync(join(folder, 'trail'), { recursive: true });

    // Act
    appendJsonLineSoon(file, { n: 2 });
    await stateFilesWritten();

    // Assess
    expect(readFileSync(file, 'utf8')).toBe('{"n":2}\n');
  });
});

describe('JournaledJsonFile: entries changed in place, the changed ones appended', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'jit-journaled-file-'));
  });
  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('writes a snapshot first, then journals only the entries a change touched, and a new instance reads them all back', async () => {
    // Prepare: two entries, written by the first flush as the snapshot.
    const file = join(folder, 'secrets.json');
    const store = new JournaledJsonFile<{ versions: string[] }>(file);
    store.update((all) => {
      all.a = { versions: ['v1'] };
      all.b = { versions: ['v1'] };
    });
    await stateFilesWritten();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ a: { versions: ['v1'] }, b: { versions: ['v1'] } });

    // Act: one entry changed in place, one removed, one added.
    store.update((all) => {
      all.a.versions.push('v2');
      delete all.b;
      all.c = { versions: [] };
    });
    await stateFilesWritten();

    // Assess: the snapshot is untouched; the journal holds the three changed entries, nothing of the rest.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ a: { versions: ['v1'] }, b: { versions: ['v1'] } });
    expect(readFileSync(`${file}l`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { key: 'a', value: { versions: ['v1', 'v2'] } },
      { key: 'c', value: { versions: [] } },
      { key: 'b' },
    ]);
    expect(new JournaledJsonFile<{ versions: string[] }>(file).get()).toEqual({ a: { versions: ['v1', 'v2'] }, c: { versions: [] } });
  });

  it('journals the entries a change names, added, changed or removed, and only those', async () => {
    // Prepare: a snapshot of three entries.
    const file = join(folder, 'sessions.json');
    const store = new JournaledJsonFile<{ n: number }>(file);
    store.update((all) => {
      all.a = { n: 1 };
      all.b = { n: 1 };
      all.c = { n: 1 };
    });
    await stateFilesWritten();

    // Act: two changes in one turn, each naming what it touched (the second fills its list as it runs).
    store.update((all) => {
      all.a.n = 2;
    }, ['a']);
    const touched: string[] = [];
    store.update((all) => {
      delete all.b;
      touched.push('b');
      all.d = { n: 1 };
      touched.push('d');
    }, touched);
    await stateFilesWritten();

    // Assess: the journal holds those three, in the order they were named; a new instance reads them back.
    expect(readFileSync(`${file}l`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { key: 'a', value: { n: 2 } },
      { key: 'b' },
      { key: 'd', value: { n: 1 } },
    ]);
    expect(new JournaledJsonFile<{ n: number }>(file).get()).toEqual({ a: { n: 2 }, c: { n: 1 }, d: { n: 1 } });
  });

  it('compares every entry when one change of a flush named none', async () => {
    // Prepare
    const file = join(folder, 'schedules.json');
    const store = new JournaledJsonFile<{ n: number }>(file);
    store.update((all) => {
      all.a = { n: 1 };
      all.b = { n: 1 };
    });
    await stateFilesWritten();

    // Act: one change names its key, another does not.
    store.update((all) => {
      all.a.n = 2;
    }, ['a']);
    store.update((all) => {
      all.b.n = 2;
    });
    await stateFilesWritten();

    // Assess
    expect(new JournaledJsonFile<{ n: number }>(file).get()).toEqual({ a: { n: 2 }, b: { n: 2 } });
  });

  it('reads a store file written whole by an earlier sandbox as its snapshot', () => {
    // Prepare
    const file = join(folder, 'schedules.json');
    writeFileSync(file, JSON.stringify({ s1: { at: 1 } }, null, 2));

    // Act / Assess
    expect(new JournaledJsonFile<{ at: number }>(file).get()).toEqual({ s1: { at: 1 } });
  });
});

describe('writeJsonAtomicOffThread: a new file written through the thread pool', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'jit-off-thread-'));
  });
  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('writes each of many concurrent files whole, readable by its owner only, with no temporary file left', async () => {
    // Act
    await Promise.all(Array.from({ length: 50 }, (_, i) => writeJsonAtomicOffThread(join(folder, `${i}.json`), { i })));

    // Assess
    const names = fs.readdirSync(folder).sort();
    expect(names).toHaveLength(50);
    expect(names.every((n) => n.endsWith('.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(folder, '7.json'), 'utf8'))).toEqual({ i: 7 });
    expect(fs.statSync(join(folder, '7.json')).mode & 0o777).toBe(0o600);
  });
});
