// How the Temporal web UI is run, in `npm start` and in cluster mode alike: Temporal's UI server
// (ui-server, the program of the temporalio/ui image) with deploy/temporal-ui/config, read-only
// (`disableWriteActions`: the server itself refuses every write of its API but queries) and bound
// to loopback. Everything that changes a workflow or a schedule goes through our API, whose roles
// and audit log apply; the UI is for looking. ui-server itself answers any `Host`, so a page of
// another site rebound to 127.0.0.1 (DNS rebinding) could read histories through a visitor's
// browser: it listens on a private port behind a gate that answers only our host names.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { hostAllowed } from './api/host-names';

export interface TemporalUiOptions {
  /** The ui-server program (.tools/temporal-ui-server-path). */
  program: string;
  repoRoot: string;
  temporalAddress: string;
  /** ui-server's own port, on loopback: only the gate (startTemporalUiGate) is meant to reach it. */
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

export interface TemporalUiGate {
  port: number;
  close(): Promise<void>;
}

/**
 * The UI's address for people: passes requests with one of `hostNames` as Host on to ui-server
 * at `upstreamPort`, and answers any other Host 421 (problem+json, as /metrics does).
 */
export function startTemporalUiGate(o: { port: number; upstreamPort: number; hostNames: ReadonlySet<string> }): Promise<TemporalUiGate> {
  const server = http.createServer((request, response) => {
    if (!hostAllowed(request.headers.host, o.hostNames)) {
      response.writeHead(421, { 'content-type': 'application/problem+json' });
      response.end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Not served under this host name',
          status: 421,
          code: 'HOST_NOT_ALLOWED',
          detail: `the Temporal UI answers only ${[...o.hostNames].join(', ')} as Host`,
        }),
      );
      return;
    }
    const upstream = http.request({ host: '127.0.0.1', port: o.upstreamPort, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.once('error', () => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end('the Temporal UI server does not answer');
    });
    request.pipe(upstream);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((done) => (server.closeAllConnections(), server.close(() => done()))),
      });
    });
  });
}
