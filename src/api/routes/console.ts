// The operator console (src/console): its page, modules and styles served at / with no key (the page
// signs in itself), and the little it needs to know about this installation.
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEFAULT_BATCH_CONCURRENCY, MAX_BATCH_CONCURRENCY } from '../../domain/batch';
import { retentionFlag } from '../../domain/duration';
import { AMOUNT_NOTICE, HEADCOUNT_NOTICE, PAY_NOW_NOTICE } from '../../domain/notices';
import { AUDIT_ACTIONS } from '../../domain/webhook-events';
import { FileAnswer, errors } from '../schemas/common';
import { ConsoleConfig } from '../schemas/console';

const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

/** The page, its entry module and styles, and every module under modules/ (one per tab, and the shared ones). */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html' },
  '/app.js': { file: 'app.js', type: 'text/javascript' },
  '/style.css': { file: 'style.css', type: 'text/css' },
  ...Object.fromEntries(
    readdirSync(`${CONSOLE_DIR}modules`)
      .filter((f) => f.endsWith('.js'))
      .map((f) => [`/modules/${f}`, { file: `modules/${f}`, type: 'text/javascript' }]),
  ),
};

/** The console loads only its own files and talks only to this API; links to the Temporal UI are plain navigations. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const consoleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const [url, { file, type }] of Object.entries(FILES)) {
    app.get(
      url,
      {
        config: { access: 'public' },
        schema: { summary: `The operator console: ${file}`, tags: ['console'], security: [], hide: true, response: { 200: FileAnswer(`the console’s ${file}`, type) } },
      },
      async (_request, reply) => {
        // Read on each request: three small files, and an edited console shows without a restart.
        const body = await readFile(`${CONSOLE_DIR}${file}`);
        return reply
          .type(`${type}; charset=utf-8`)
          .header('cache-control', 'no-cache')
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'same-origin')
          .header('content-security-policy', CONTENT_SECURITY_POLICY)
          .send(body);
      },
    );
  }

  app.get(
    '/api/console-config',
    {
      config: { access: 'read' },
      schema: {
        summary: 'What the console needs to know: where the Temporal UI is, how long Temporal keeps histories, a batch’s concurrency limits and the audit actions',
        tags: ['console'],
        response: { 200: ConsoleConfig, ...errors(401, 403) },
      },
    },
    async () => ({
      temporalUiUrl: `http://127.0.0.1:${app.config.temporalUiPort}`,
      temporalNamespace: app.config.temporalNamespace,
      temporalRetention: retentionFlag(app.config.temporalRetentionSeconds),
      temporalRetentionDays: app.config.temporalRetentionSeconds / 86400,
      resultWaitSeconds: app.config.declaration.resultWaitSeconds,
      batchConcurrency: { default: DEFAULT_BATCH_CONCURRENCY, max: MAX_BATCH_CONCURRENCY },
      notices: { headcount: HEADCOUNT_NOTICE, amount: AMOUNT_NOTICE, payNow: PAY_NOW_NOTICE },
      auditActions: [...AUDIT_ACTIONS],
    }),
  );
};

export default consoleRoutes;
