// Security review, issue 26, finding 1: DATA_DIR (the embedded database, the bureau's state,
// rendered files, development keys) is readable and writable by its owner only. PGlite makes its
// files rw-rw-rw- whatever the umask; a folder left open is repaired at start; a folder of another
// user is refused. Ownership changes need root (the test machine's user): those cases skip otherwise.
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { BureauState } from '../../src/bureau/state';
import { DataDirRefused, secureDataDir } from '../../src/data-dir';
import { openDatabase } from '../../src/db/client';

const root = process.getuid?.() === 0;
const NOBODY = 65534;
const made: string[] = [];

function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sifee-data-dir-'));
  made.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Every entry under `dir` (itself included) whose group or others have any permission. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const walk = (where: string) => {
    const stat = lstatSync(where);
    if ((stat.mode & 0o077) !== 0) found.push(`${path.relative(dir, where) || '.'} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(where)) walk(path.join(where, name));
  };
  walk(dir);
  return found;
}

describe('DATA_DIR is its owner’s only', () => {
  it('repairs a folder left open to everyone when the embedded database opens, and says how many entries it repaired', async () => {
    const dataDir = folder();
    chmodSync(dataDir, 0o777);
    writeFileSync(path.join(dataDir, 'bureau-state.json'), '{}', { mode: 0o644 });
    mkdirSync(path.join(dataDir, 'files', 'vouchers'), { recursive: true, mode: 0o755 });
    writeFileSync(path.join(dataDir, 'files', 'vouchers', 'V1.pdf'), 'pdf');
    chmodSync(path.join(dataDir, 'files', 'vouchers', 'V1.pdf'), 0o666);
    chmodSync(path.join(dataDir, 'files'), 0o755);
    chmodSync(path.join(dataDir, 'files', 'vouchers'), 0o755);
    expect(openToOthers(dataDir)).toHaveLength(5);

    const warnings: string[] = [];
    const database = await openDatabase({ dataDir, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/5 files and folders were readable or writable by other users/)]);
    // While it runs, PGlite's own files (rw-rw-rw-) sit in folders nobody else may enter.
    await database.db.execute(sql`create table t (x int)`);
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(lstatSync(path.join(dataDir, 'pglite')).mode & 0o777).toBe(0o700);
    // The process writes owner-only from now on (umask 077).
    writeFileSync(path.join(dataDir, 'files', 'new.pdf'), 'pdf');
    expect(lstatSync(path.join(dataDir, 'files', 'new.pdf')).mode & 0o777).toBe(0o600);
    await database.close();

    expect(openToOthers(dataDir)).toEqual([]);
    expect(readdirSync(path.join(dataDir, 'pglite')).length).toBeGreaterThan(5);
    // A second start finds nothing to repair.
    const again: string[] = [];
    await (await openDatabase({ dataDir, warn: (m) => again.push(m) })).close();
    expect(again).toEqual([]);
  });

  it('creates a missing folder 0700, and its database files 0600 once closed', async () => {
    const dataDir = path.join(folder(), 'data');
    const database = await openDatabase({ dataDir });
    await database.db.execute(sql`select 1`);
    await database.close();
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(openToOthers(dataDir)).toEqual([]);
  });

  it.skipIf(!root)('refuses, in one line, a folder that belongs to another user', async () => {
    const dataDir = folder();
    chownSync(dataDir, NOBODY, NOBODY);
    expect(() => secureDataDir(dataDir)).toThrow(DataDirRefused);
    await expect(openDatabase({ dataDir })).rejects.toThrow(/^DATA_DIR .* belongs to user 65534, not to this process's user 0: run as its owner, chown it, or choose another DATA_DIR$/);
    expect(readdirSync(dataDir)).toEqual([]); // nothing was written
  });

  it.skipIf(!root)('leaves the private PostgreSQL’s folder to its user, and DATA_DIR passable for it (cluster mode as root)', () => {
    const dataDir = folder();
    chmodSync(dataDir, 0o755);
    const pg = path.join(dataDir, 'postgres');
    mkdirSync(pg, { mode: 0o700 });
    writeFileSync(path.join(pg, 'PG_VERSION'), '16\n');
    chmodSync(path.join(pg, 'PG_VERSION'), 0o644);
    chownSync(path.join(pg, 'PG_VERSION'), NOBODY, NOBODY);
    chownSync(pg, NOBODY, NOBODY);
    writeFileSync(path.join(dataDir, 'dev-api-keys'), 'k');
    chmodSync(path.join(dataDir, 'dev-api-keys'), 0o644);

    expect(secureDataDir(dataDir).repaired).toBe(2);
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o711); // passable (x), not readable
    expect(lstatSync(pg).uid).toBe(NOBODY);
    expect(lstatSync(path.join(pg, 'PG_VERSION')).mode & 0o777).toBe(0o644);
    expect(lstatSync(path.join(dataDir, 'dev-api-keys')).mode & 0o777).toBe(0o600);
  });

  it('writes the mock bureau’s state file 0600 whatever the umask, replacing an old 0644 one', async () => {
    const dataDir = folder();
    const file = path.join(dataDir, 'bureau-state.json');
    const before = process.umask(0);
    try {
      writeFileSync(file, JSON.stringify(new (BureauState as any)(undefined, 0).data));
      chmodSync(file, 0o644);
      const state = new BureauState(file, 0);
      state.clearFaults();
      await state.flush();
      expect(lstatSync(file).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(before);
    }
  });
});
