// What both launchers (`npm start`, `npm run start:cluster`) do for a developer: secrets made
// once and kept in DATA_DIR, the mock bureau seeded with demo employers on its first start, and
// the printout of the keys and employers.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseApiKeys } from '../../src/api/api-keys';
import { initialPassword } from '../../src/domain/password';

export interface DemoEmployer {
  taxpayerId: string;
  unitNumber: string;
  name: string;
}

/** Development secrets are generated once and kept in DATA_DIR, so a restart keeps them. */
export function devSecret(dataDir: string, given: string | undefined, file: string, generate: () => string): string {
  if (given) return given;
  const where = path.join(dataDir, file);
  if (existsSync(where)) return readFileSync(where, 'utf8').trim();
  const value = generate();
  writeFileSync(where, `${value}\n`, { mode: 0o600 });
  return value;
}

/** The bureau's employers; on its first start, five seeded with the last two months' fees. */
export async function demoEmployers(bureauUrl: string, log: (line: string) => void): Promise<DemoEmployer[]> {
  const known = (await (await fetch(`${bureauUrl}/admin/employers`)).json()) as { employers: DemoEmployer[] };
  if (known.employers.length > 0) return known.employers;
  const now = new Date();
  const month = (offset: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).toISOString().slice(0, 7);
  const seeded = await fetch(`${bureauUrl}/admin/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ employers: 5, periods: [month(-2), month(-1)] }),
  });
  const { employers } = (await seeded.json()) as { employers: DemoEmployer[] };
  log(`seeded the mock bureau with ${employers.length} demo employers`);
  return employers;
}

/** The printout's tail: API keys, the employers and how to stop. */
export function keysAndEmployers(keys: string, employers: readonly DemoEmployer[]): string[] {
  return [
    'API keys (Authorization: Bearer <key>):',
    ...parseApiKeys(keys).map((k) => `  ${k.role.padEnd(9)} ${k.key}`),
    '',
    'Employers at the bureau (taxpayer ID, unit number, initial password):',
    ...employers.slice(0, 5).map((e) => `  ${e.taxpayerId}  ${e.unitNumber.padEnd(12)} ${initialPassword(e.unitNumber)}  ${e.name}`),
    '',
    'Ctrl-C stops everything; data stays for the next start.',
    '',
  ];
}
