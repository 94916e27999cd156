// API keys with roles (docs/api.md): operators act, auditors read, staff reset passwords; read from
// API_KEYS and compared by digest.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const ROLES = ['operator', 'auditor', 'staff'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  name: string;
  role: Role;
  key: string;
}

/** Parses `name:role:key,...`. */
export function parseApiKeys(spec: string): ApiKey[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name, role, key] = entry.split(':');
      if (!name || !key || !ROLES.includes(role as Role)) {
        throw new Error(`API_KEYS entry "${name ?? ''}:${role ?? ''}:…" must be name:role:key with role one of ${ROLES.join(', ')}`);
      }
      if (key.length < 16) throw new Error(`API key of ${name} is too short: use at least 16 characters`);
      return { name, role: role as Role, key };
    });
}

export function generateDevKeys(): ApiKey[] {
  return ROLES.map((role) => ({ name: `dev-${role}`, role, key: `${role.slice(0, 3)}_${randomBytes(18).toString('base64url')}` }));
}

export function formatApiKeys(keys: readonly ApiKey[]): string {
  return keys.map((k) => `${k.name}:${k.role}:${k.key}`).join(',');
}

/**
 * The configured keys, compared by their SHA-256 digests: every comparison has the same length
 * and every key is compared, so timing tells neither a key's length nor which key nearly matched.
 */
export class KeyRing {
  private readonly entries: { key: ApiKey; digest: Buffer }[];

  constructor(keys: readonly ApiKey[]) {
    this.entries = keys.map((key) => ({ key, digest: digest(key.key) }));
  }

  find(presented: string): ApiKey | undefined {
    const d = digest(presented);
    let found: ApiKey | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.digest, d) && !found) found = e.key;
    return found;
  }

  named(name: string): ApiKey | undefined {
    return this.entries.find((e) => e.key.name === name)?.key;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

