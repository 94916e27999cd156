// The runtime check every entry point makes first (src/runtime/require-node.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_NODE_MAJOR, checkNodeVersion } from '../../src/runtime/node-version';

describe('the supported Node', () => {
  it('refuses an older major in one line that says what to run', () => {
    const check = checkNodeVersion('20.20.2', '/usr/bin/node');
    expect(check.ok).toBe(false);
    expect(check.message).toContain('Node 24');
    expect(check.message).toContain('v20.20.2');
    expect(check.message).toContain('scripts/provision.sh');
    expect(check.message).not.toContain('\n');
  });

  it('takes the supported major silently and warns on a newer, untested one', () => {
    expect(checkNodeVersion(`${SUPPORTED_NODE_MAJOR}.11.0`)).toEqual({ ok: true });
    const newer = checkNodeVersion(`${SUPPORTED_NODE_MAJOR + 2}.0.0`);
    expect(newer.ok).toBe(true);
    expect(newer.message).toMatch(/not been tested/);
  });

  it('is the Node these tests run on, and the one package.json asks for', async () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(SUPPORTED_NODE_MAJOR);
    const { engines } = (await import('../../package.json', { with: { type: 'json' } })).default as { engines: { node: string } };
    expect(engines.node).toMatch(new RegExp(`^\\^${SUPPORTED_NODE_MAJOR}\\.`));
  });

  it('stops an entry point started on an older Node before it does anything', () => {
    // The machine's own Node, when it is older (these machines have 20); else nothing to show.
    const path = (process.env.PATH ?? '').split(':').filter((p) => !p.endsWith('node_modules/.bin')).join(':');
    const machineNode = spawnSync('bash', ['-c', 'command -v node'], { env: { ...process.env, PATH: path }, encoding: 'utf8' }).stdout.trim();
    if (!machineNode) return;
    const major = Number(execFileSync(machineNode, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim());
    if (major >= SUPPORTED_NODE_MAJOR) return;
    const run = spawnSync(machineNode, ['--import', 'tsx', 'src/bureau/main.ts'], { env: { ...process.env, PATH: path, BUREAU_PORT: '0' }, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`needs Node ${SUPPORTED_NODE_MAJOR}`);
  });
});
