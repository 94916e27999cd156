// How the Temporal web UI is run, in `npm start` and in cluster mode alike: Temporal's UI server
// (ui-server, the program of the temporalio/ui image) with deploy/temporal-ui/config, read-only
// (`disableWriteActions`: the server itself refuses every write of its API but queries) and bound
// to loopback. Everything that changes a workflow or a schedule goes through our API, whose roles
// and audit log apply; the UI is for looking.
import path from 'node:path';

export interface TemporalUiOptions {
  /** The ui-server program (.tools/temporal-ui-server-path). */
  program: string;
  repoRoot: string;
  temporalAddress: string;
  port: number;
  namespace: string;
  /** Our API's origins: the UI decrypts payloads through the first one's /codec. */
  apiOrigins: readonly string[];
}

export function temporalUiLaunch(o: TemporalUiOptions): { command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  return {
    command: o.program,
    args: ['--root', '.', '--config', 'config', '--env', 'production', 'start'],
    cwd: path.join(o.repoRoot, 'deploy/temporal-ui'),
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: o.temporalAddress,
      TEMPORAL_UI_HOST: '127.0.0.1',
      TEMPORAL_UI_PORT: String(o.port),
      TEMPORAL_DEFAULT_NAMESPACE: o.namespace,
      TEMPORAL_CODEC_ENDPOINT: o.apiOrigins[0] ? `${o.apiOrigins[0]}/codec` : '',
      TEMPORAL_CORS_ORIGINS: o.apiOrigins.join(','),
    },
  };
}
