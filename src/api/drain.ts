// Stopping an API process without dropping what it serves (a deploy, a scale-down): on SIGTERM
// it says `draining` on /health so a load balancer moves away, ends its event streams so consoles
// reconnect to another process, waits API_DRAIN_DELAY_SECONDS for the balancer to notice, then
// stops taking connections and lets the requests in flight finish, for at most
// API_DRAIN_TIMEOUT_SECONDS.
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    drain: Drain;
  }
}

export class Drain {
  private since: Date | undefined;
  private readonly onStart = new Set<() => void>();

  get draining(): boolean {
    return this.since !== undefined;
  }

  /** Runs `fn` when draining starts (at once if it has); the returned function unregisters it. */
  whenDraining(fn: () => void): () => void {
    if (this.since) {
      fn();
      return () => {};
    }
    this.onStart.add(fn);
    return () => this.onStart.delete(fn);
  }

  start(): void {
    if (this.since) return;
    this.since = new Date();
    for (const fn of [...this.onStart]) fn();
    this.onStart.clear();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Drains `app` and closes it; true when every request in flight finished within the timeout. */
export async function drainAndClose(app: FastifyInstance, o: { delaySeconds: number; timeoutSeconds: number }): Promise<boolean> {
  app.drain.start();
  if (o.delaySeconds > 0) await sleep(o.delaySeconds * 1000);
  const closed = app.close().then(() => true);
  // close() ends only the connections idle at its call; one whose request finishes later (or
  // whose event stream was ended) would otherwise be kept alive for keepAliveTimeout.
  const idle = setInterval(() => app.server.closeIdleConnections(), 200);
  try {
    return await Promise.race([closed, sleep(o.timeoutSeconds * 1000).then(() => false)]);
  } finally {
    clearInterval(idle);
  }
}
