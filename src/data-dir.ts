// DATA_DIR holds the embedded database, the bureau's state, rendered PDFs and development keys:
// only this process's user may read or write any of it. Every entry point that writes there calls
// secureDataDir() first. PGlite (PostgreSQL in WASM) creates its files rw-rw-rw- whatever the
// umask, so the folders' 0700 is what keeps others out while it runs, and its files are put back
// to 0600 at every start (and when the database is closed).
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';

/** What nobody but the owner may have: group and others, every bit. */
const OTHERS = 0o077;

export class DataDirRefused extends Error {}

/**
 * Files and folders are created owner-only from now on (umask 077, inherited by the children this
 * process starts). Node's worker threads cannot set it; their main thread has.
 */
export function ownerOnlyUmask(): void {
  try {
    process.umask(0o077);
  } catch {
    // a worker thread: the process's umask is its main thread's
  }
}

const myUid = (): number | undefined => process.getuid?.();

/**
 * Refuses a DATA_DIR of another user (one clear line), creates it 0700, and takes group and other
 * permissions off everything in it that is ours. Answers how many entries were repaired; `warn` is
 * told when any were. Entries of another user are left as they are, with what is below them: the
 * cluster's private PostgreSQL, which runs as the `postgres` user when we are root, owns its folder
 * and keeps it 0700 itself; DATA_DIR then keeps its traversal bits (x, not r), so that user can reach
 * its folder without listing ours.
 */
export function secureDataDir(dir: string, warn?: (message: string) => void): { repaired: number } {
  ownerOnlyUmask();
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // an umask set elsewhere does not widen it
    return { repaired: 0 };
  }
  const top = lstatSync(dir);
  if (!top.isDirectory()) throw new DataDirRefused(`DATA_DIR ${dir} is not a folder`);
  const uid = myUid();
  if (uid !== undefined && top.uid !== uid) {
    throw new DataDirRefused(`DATA_DIR ${dir} belongs to user ${top.uid}, not to this process's user ${uid}: run as its owner, chown it, or choose another DATA_DIR`);
  }
  let repaired = 0;
  const children = readdirSync(dir);
  const sharedWithAnotherUser = uid !== undefined && children.some((name) => (gone(() => lstatSync(path.join(dir, name)).uid) ?? uid) !== uid);
  if (tighten(dir, top, sharedWithAnotherUser ? 0o066 : OTHERS)) repaired++;
  for (const name of children) repaired += repairTree(path.join(dir, name), uid);
  if (repaired > 0) warn?.(`DATA_DIR ${dir}: ${repaired} files and folders were readable or writable by other users; now only by their owner`);
  return { repaired };
}

/** Puts the files under `dir` (PGlite's, made rw-rw-rw-) back to owner-only; answers how many changed. */
export function repairDataFiles(dir: string): number {
  return existsSync(dir) ? repairTree(dir, myUid()) : 0;
}

function tighten(where: string, stat: Stats, bits: number): boolean {
  if ((stat.mode & bits) === 0) return false;
  return gone(() => chmodSync(where, stat.mode & 0o7777 & ~bits)) !== undefined;
}

/**
 * Other processes of the service write here while one starts (the bureau renames its state file
 * into place, PGlite and the cluster's logs come and go): an entry gone meanwhile is skipped.
 */
function gone<T>(read: () => T): T | undefined {
  try {
    return read() ?? (true as T);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function repairTree(where: string, uid: number | undefined): number {
  const stat = gone(() => lstatSync(where));
  // Symbolic links have no modes of their own (chmod would change their target); another user's entries stay theirs.
  if (!stat || stat.isSymbolicLink() || (uid !== undefined && stat.uid !== uid)) return 0;
  let repaired = tighten(where, stat, OTHERS) ? 1 : 0;
  if (stat.isDirectory()) for (const name of gone(() => readdirSync(where)) ?? []) repaired += repairTree(path.join(where, name), uid);
  return repaired;
}
