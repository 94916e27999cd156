// The production topology in docker-compose.yml, checked with `docker-compose config` (no
// Docker engine runs on these machines; config only parses, interpolates and validates).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SUPPORTED_NODE_MAJOR } from '../../src/runtime/node-version';
import { WORKER_NODE_ARGS } from '../../src/worker/heap';

const root = path.resolve(import.meta.dirname, '../..');
const composeFile = path.join(root, 'docker-compose.yml');

interface Service {
  image?: string;
  entrypoint?: string[] | string;
  working_dir?: string;
  volumes?: (string | { source?: string; target?: string })[];
  ports?: (string | { published?: string | number; target?: number })[];
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | null> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  deploy?: { replicas?: number | string };
  depends_on?: Record<string, { condition?: string }> | string[];
  restart?: string;
}
interface ComposeConfig {
  services: Record<string, Service>;
}

const LONG_RUNNING = ['postgresql', 'temporal', 'temporal-ui', 'bureau', 'api', 'worker'];
const ONE_SHOTS = ['migrate', 'temporal-schema', 'temporal-namespace'];

/** The server version scripts/provision.sh builds for `npm run start:cluster`. */
function provisionedServerVersion(): string {
  const m = /^TEMPORAL_SERVER_VERSION=v(\S+)$/m.exec(readFileSync(path.join(root, 'scripts/provision.sh'), 'utf8'));
  if (!m) throw new Error('scripts/provision.sh names no TEMPORAL_SERVER_VERSION');
  return m[1]!;
}

const joined = (v: string[] | string | undefined) => (Array.isArray(v) ? v.join(' ') : (v ?? ''));

/** The host folder mounted at `target`, relative to the repository. */
function mountAt(service: Service, target: string): string | undefined {
  for (const v of service.volumes ?? []) {
    const [source, to] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
    if (to === target && source) return path.relative(root, path.resolve(root, source));
  }
  return undefined;
}

function compose(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync('docker-compose', ['-f', composeFile, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    // Defaults only: values set in the developer's shell must not change what is checked.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
}

/** docker-compose's major version; fails (does not skip) when it is not installed. */
function requireDockerCompose(): number {
  const probe = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'docker-compose is not installed (or does not run): run `bash scripts/provision.sh`, which installs ' +
        `Debian's docker-compose package. (${probe.error?.message ?? probe.stderr.trim()})`,
    );
  }
  return Number(/(\d+)\./.exec(probe.stdout)?.[1] ?? 1);
}

/** The docker-compose Python script's own interpreter, which has PyYAML. */
function composePython(): string {
  const which = spawnSync('sh', ['-c', 'command -v docker-compose'], { encoding: 'utf8' }).stdout.trim();
  const shebang = readFileSync(which, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(shebang);
  if (!m) throw new Error(`cannot tell which Python runs ${which}`);
  return m[1]!.endsWith('/env') && m[2] ? m[2] : m[1]!;
}

/** docker-compose v1 prints only YAML: parse it with its own Python's PyYAML. */
function parseYaml(text: string): unknown {
  const py = spawnSync(composePython(), ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], {
    input: text,
    encoding: 'utf8',
  });
  if (py.status !== 0) throw new Error(`could not parse the YAML from docker-compose config: ${py.error?.message ?? py.stderr}`);
  return JSON.parse(py.stdout);
}

/**
 * `docker-compose config` as an object: JSON from v2; v1 (Debian bookworm's 1.29) prints
 * only YAML, and answers an unknown `--format` with its usage and exit code 0.
 */
function loadConfig(major: number, env: NodeJS.ProcessEnv = {}): ComposeConfig {
  const run = compose(major >= 2 ? ['config', '--format', 'json'] : ['config'], env);
  expect(run.status, `docker-compose config failed:\n${run.stderr}`).toBe(0);
  return (major >= 2 ? JSON.parse(run.stdout) : parseYaml(run.stdout)) as ComposeConfig;
}

function envOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => [kv.split('=')[0]!, kv.slice(kv.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

function dependsOn(service: Service): Record<string, string | undefined> {
  const d = service.depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((name) => [name, undefined]));
  return Object.fromEntries(Object.entries(d).map(([name, v]) => [name, v?.condition]));
}

describe('docker-compose.yml (production topology)', () => {
  let major: number;
  let config: ComposeConfig;

  beforeAll(() => {
    major = requireDockerCompose();
    config = loadConfig(major);
  });

  it('validates: docker-compose config -q exits 0', () => {
    const run = compose(['config', '-q']);
    expect(run.status, run.stderr).toBe(0);
  });

  it('has postgresql, temporal, temporal-ui, bureau, api, worker and the one-shots', () => {
    expect(Object.keys(config.services)).toEqual(expect.arrayContaining([...LONG_RUNNING, ...ONE_SHOTS]));
  });

  it.each(LONG_RUNNING)('%s has a healthcheck', (name) => {
    const hc = config.services[name]!.healthcheck;
    expect(hc, `${name} has no healthcheck`).toBeDefined();
    expect(hc!.disable ?? false).toBe(false);
    const test = Array.isArray(hc!.test) ? hc!.test : [hc!.test];
    expect(test.filter(Boolean).length).toBeGreaterThan(0);
    expect(test[0]).not.toBe('NONE');
  });

  it('runs at least two workers', () => {
    expect(Number(config.services.worker!.deploy?.replicas)).toBeGreaterThanOrEqual(2);
  });

  it.each(['api', 'worker'])('%s gets DATABASE_URL, TEMPORAL_ADDRESS and BUREAU_URL pointing at the other services', (name) => {
    const env = envOf(config.services[name]!);
    expect(env.DATABASE_URL).toMatch(/^postgres(ql)?:\/\/.+@postgresql:5432\//);
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.BUREAU_URL).toBe('http://bureau:4100');
    expect(env.HOST, 'servers in containers must listen on all interfaces').toBe('0.0.0.0');
  });

  it('api and worker wait for the migration to finish and for healthy dependencies', () => {
    for (const name of ['api', 'worker']) {
      const deps = dependsOn(config.services[name]!);
      expect(deps.migrate, name).toBe('service_completed_successfully');
      expect(deps['temporal-namespace'], name).toBe('service_completed_successfully');
      expect(deps.bureau, name).toBe('service_healthy');
    }
    expect(dependsOn(config.services.migrate!).postgresql).toBe('service_healthy');
    expect(dependsOn(config.services['temporal-schema']!).postgresql).toBe('service_healthy');
    expect(dependsOn(config.services.temporal!)['temporal-schema']).toBe('service_completed_successfully');
    expect(dependsOn(config.services['temporal-namespace']!).temporal).toBe('service_healthy');
  });

  it('runs our services from our image with their entry points', () => {
    const commands: Record<string, string> = {
      bureau: 'npx tsx src/bureau/main.ts',
      api: 'npx tsx src/api/main.ts',
      worker: `npx tsx ${WORKER_NODE_ARGS.join(' ')} src/worker/main.ts`,
      migrate: 'npx tsx src/db/migrate-cli.ts',
    };
    for (const [name, command] of Object.entries(commands)) {
      const s = config.services[name]!;
      expect(s.build, `${name} builds from the Dockerfile`).toBeDefined();
      expect(Array.isArray(s.command) ? s.command.join(' ') : s.command).toBe(command);
    }
    // `npm run worker` caps the worker's heap as the image does (src/worker/heap.ts says why).
    const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    // (after the check that node_modules and Node 24 are there: `provision.sh --node`)
    expect(scripts.worker!.split(' && ').pop()).toBe(`tsx ${WORKER_NODE_ARGS.join(' ')} src/worker/main.ts`);
    expect(envOf(config.services.bureau!).BUREAU_PORT).toBe('4100');
    expect(envOf(config.services.api!).PORT).toBe('3000');
  });

  it('builds its image on the Node LTS the service supports', () => {
    const from = /^FROM node:(\d+)-/m.exec(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
    expect(Number(from?.[1])).toBe(SUPPORTED_NODE_MAJOR);
  });

  it('runs the Temporal server start:cluster builds, with its config and schema steps', () => {
    const temporal = config.services.temporal!;
    expect(temporal.image).toBe(`temporalio/server:${provisionedServerVersion()}`);
    // deploy/temporal: the config file and the scripts scripts/start-cluster.ts uses.
    expect(mountAt(temporal, '/etc/sifee-temporal')).toBe('deploy/temporal');
    expect(temporal.working_dir).toBe('/etc/sifee-temporal');
    expect(joined(temporal.entrypoint)).toBe('temporal-server --root . --config config --env development --allow-no-auth start');
    const env = envOf(temporal);
    expect(env.TEMPORAL_DB_HOST).toBe('postgresql');
    expect(env.TEMPORAL_PORT).toBe('7233');
    expect(env.TEMPORAL_BIND_IP).toBe('0.0.0.0');
    const schema = config.services['temporal-schema']!;
    expect(schema.image).toMatch(new RegExp(`^temporalio/admin-tools:${provisionedServerVersion().replaceAll('.', '\\.')}\\b`));
    expect(mountAt(schema, '/etc/sifee-temporal')).toBe('deploy/temporal');
    expect(joined(schema.entrypoint)).toBe('sh /etc/sifee-temporal/setup-schema.sh');
    expect(envOf(schema).TEMPORAL_DB_HOST).toBe('postgresql');
    const namespace = config.services['temporal-namespace']!;
    expect(joined(namespace.entrypoint)).toBe('sh /etc/sifee-temporal/register-namespace.sh');
    expect(envOf(namespace).TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(envOf(config.services['temporal-ui']!).TEMPORAL_ADDRESS).toBe('temporal:7233');
    // Read-only like npm start's (deploy/temporal-ui/config): changes go through the API's roles.
    expect(envOf(config.services['temporal-ui']!).TEMPORAL_DISABLE_WRITE_ACTIONS).toBe('true');
  });

  it('publishes only the API and the Temporal UI: the frontend, PostgreSQL and the bureau stay internal', () => {
    const published = Object.entries(config.services)
      .filter(([, s]) => (s.ports ?? []).length > 0)
      .map(([name]) => name)
      .sort();
    expect(published).toEqual(['api', 'temporal-ui']);
  });

  it('sets the namespace retention from TEMPORAL_RETENTION (30 days unless set)', () => {
    expect(envOf(config.services['temporal-namespace']!).TEMPORAL_RETENTION).toBe('720h');
    const custom = loadConfig(major, { TEMPORAL_RETENTION: '90d' });
    expect(envOf(custom.services['temporal-namespace']!).TEMPORAL_RETENTION).toBe('90d');
  });

  it('takes its settings from the environment', () => {
    const custom = loadConfig(major, { WORKER_REPLICAS: '3', POSTGRES_PASSWORD: 's3cret', API_KEYS: 'ops:operator:k1' });
    expect(Number(custom.services.worker!.deploy?.replicas)).toBe(3);
    expect(envOf(custom.services.api!).DATABASE_URL).toContain(':s3cret@postgresql:5432/');
    expect(envOf(custom.services.worker!).API_KEYS).toBe('ops:operator:k1');
  });
});
