// The mock bureau: a real HTTP server with its own state, standing in for the tax bureau, the
// HR and medical insurance bureaus and the banks. Service routes live under /v1, the admin
// routes tests and operators use to shape its data and inject faults under /admin.
import { allowedHostNames, hostAllowed } from '../api/host-names';
import { OneLinePerRequest } from '../api/request-log';
import { createLogger } from '../logging';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { RequestLog, registerAdminRoutes } from './admin';
import {
  type CertificateRequest,
  type DeclareRequest,
  type DeductRequest,
  type FaultOperation,
  type PasswordChange,
  type PasswordCheck,
  type VoidRequest,
  type VoucherRequest,
} from './contract';
import { CALL_MODES, HeldCalls } from './faults';
import * as schemas from './schemas';
import { BureauRefusal, BureauState } from './state';

export interface BureauOptions {
  stateFile?: string; // JSON file the state survives restarts in; memory only when absent
  resultDelayMs?: number; // how long a declaration or void waits for its decision
  logger?: boolean;
  /** The address it listens on (HOST): answered as a host name too, unless a wildcard. */
  host?: string | undefined;
  /** Host names besides the loopback ones it answers (BUREAU_ALLOWED_HOSTS; compose: `bureau`). */
  allowedHosts?: readonly string[];
}

export const DEFAULT_RESULT_DELAY_MS = 3000;
const DEFAULT_FAULT_DELAY_MS = 1000;

type Guard = <T>(operation: FaultOperation, reply: FastifyReply, apply: () => T) => Promise<T | FastifyReply>;

/**
 * Runs one call under the injected faults of its operation: `error` refuses before anything
 * is applied, `timeout` holds the call without applying, `delay` waits first, and
 * `unknown_outcome` applies and then holds the call, so the caller cannot know it happened.
 * A refusal from `apply` is still answered: nothing was applied, so there is nothing to hide.
 */
function faultGuard(state: BureauState, held: HeldCalls): Guard {
  // A held call never reaches onSend: what it changed is made durable before it is held.
  const hold = async (reply: FastifyReply): Promise<FastifyReply> => {
    await state.flush();
    return held.hold(reply);
  };
  return async (operation, reply, apply) => {
    const fault = state.takeFault(operation, CALL_MODES);
    if (fault?.mode === 'error') throw new BureauRefusal(503, 'FAULT_INJECTED', `模拟故障：${operation} 暂时不可用 (injected error)`);
    if (fault?.mode === 'timeout') return hold(reply);
    if (fault?.mode === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? DEFAULT_FAULT_DELAY_MS));
    const result = apply();
    if (fault?.mode === 'unknown_outcome') return hold(reply);
    return result;
  };
}

/** Every error leaves as the contract's `{ code, message }`. */
function handleError(error: FastifyError | BureauRefusal, reply: FastifyReply, log: FastifyInstance['log']): FastifyReply {
  if (error instanceof BureauRefusal) return reply.code(error.statusCode).send({ code: error.code, message: error.message });
  if (error.validation) return reply.code(400).send({ code: 'BAD_REQUEST', message: error.message });
  if (error.statusCode !== undefined && error.statusCode < 500) {
    return reply.code(error.statusCode).send({ code: error.code ?? 'BAD_REQUEST', message: error.message });
  }
  log.error({ err: error }, 'mock bureau failed');
  return reply.code(500).send({ code: 'INTERNAL', message: 'internal error of the mock bureau' });
}

interface ServiceDeps {
  state: BureauState;
  guard: Guard;
  scheduleDecision: (delayMs?: number) => void;
}

function registerEmployerRoutes(app: FastifyInstance, { state, guard }: ServiceDeps): void {
  type ByTaxpayer = { Params: { taxpayerId: string } };
  app.get<ByTaxpayer>('/v1/employers/:taxpayerId', { schema: schemas.getEmployer }, async (request) =>
    state.employer(request.params.taxpayerId),
  );
  app.post<ByTaxpayer & { Body: PasswordCheck }>('/v1/employers/:taxpayerId/verify-password', { schema: schemas.verifyPassword }, async (request, reply) =>
    guard('verify_password', reply, () => {
      state.verifyPassword(request.params.taxpayerId, request.body.password);
      return { ok: true };
    }),
  );
  app.post<ByTaxpayer & { Body: PasswordChange }>('/v1/employers/:taxpayerId/password', { schema: schemas.changePassword }, async (request) => {
    state.changePassword(request.params.taxpayerId, request.body.password, request.body.newPassword);
    return { ok: true };
  });
  app.post<ByTaxpayer>('/v1/employers/:taxpayerId/password-reset', { schema: schemas.resetPassword }, async (request) => {
    state.resetPassword(request.params.taxpayerId);
    return { ok: true };
  });
  app.get<ByTaxpayer & { Querystring: { kind: 'regular' | 'special'; page: number; pageSize: number } }>(
    '/v1/employers/:taxpayerId/fee-items',
    { schema: schemas.feeItems },
    async (request, reply) => {
      const { kind, page, pageSize } = request.query;
      return guard('fee_items', reply, () => state.feeItems(request.params.taxpayerId, kind, page, pageSize));
    },
  );
}

function registerDeclarationRoutes(app: FastifyInstance, { state, guard, scheduleDecision }: ServiceDeps): void {
  type ByRequest = { Params: { requestId: string } };
  app.post<{ Body: DeclareRequest }>('/v1/declarations', { schema: schemas.declare }, async (request, reply) =>
    guard('declare', reply, () => {
      const receipt = state.declare(request.body);
      scheduleDecision();
      reply.code(202);
      return receipt;
    }),
  );
  app.get<ByRequest>('/v1/declarations/:requestId', { schema: schemas.declarationResult }, async (request, reply) =>
    guard('declaration_result', reply, () => state.declarationResult(request.params.requestId)),
  );
  app.post<{ Body: VoidRequest }>('/v1/voids', { schema: schemas.requestVoid }, async (request, reply) =>
    guard('void', reply, () => {
      const receipt = state.requestVoid(request.body);
      scheduleDecision();
      reply.code(202);
      return receipt;
    }),
  );
  app.get<ByRequest>('/v1/voids/:requestId', { schema: schemas.voidResult }, async (request, reply) =>
    guard('void_result', reply, () => state.voidResult(request.params.requestId)),
  );
}

function registerPaymentRoutes(app: FastifyInstance, { state, guard }: ServiceDeps): void {
  type ByVoucher = { Params: { voucherNumber: string } };
  app.post<{ Body: DeductRequest }>('/v1/deductions', { schema: schemas.deduct }, async (request, reply) =>
    guard('deduct', reply, () => state.deduct(request.body)),
  );
  app.get<{ Params: { key: string } }>('/v1/deductions/:key', { schema: schemas.deductionStatus }, async (request, reply) =>
    guard('deduction_status', reply, () => state.deductionStatus(request.params.key)),
  );
  app.post<{ Body: VoucherRequest }>('/v1/vouchers', { schema: schemas.issueVoucher }, async (request, reply) =>
    guard('issue_voucher', reply, () => state.issueVoucher(request.body)),
  );
  app.get<ByVoucher>('/v1/vouchers/:voucherNumber', { schema: schemas.getVoucher }, async (request) => state.voucher(request.params.voucherNumber));
  app.post<ByVoucher>('/v1/vouchers/:voucherNumber/void', { schema: schemas.voidVoucher }, async (request, reply) =>
    guard('void_voucher', reply, () => state.voidVoucher(request.params.voucherNumber)),
  );
  // What the bureau collected on a day (deductions and counter payments), for reconciliation.
  app.get<{ Querystring: { date: string } }>('/v1/payments', { schema: schemas.paymentsByDate }, async (request) => ({
    date: request.query.date,
    entries: state.paymentsOn(request.query.date),
  }));
  app.post<{ Body: CertificateRequest }>('/v1/certificates', { schema: schemas.issueCertificate }, async (request, reply) =>
    guard('certificate', reply, () => state.issueCertificate(request.body)),
  );
}

export async function buildBureau(opts: BureauOptions = {}): Promise<FastifyInstance> {
  const state = new BureauState(opts.stateFile, opts.resultDelayMs ?? DEFAULT_RESULT_DELAY_MS);
  const app = Fastify({ loggerInstance: opts.logger ? (createLogger('bureau') as FastifyBaseLogger) : undefined, logController: new OneLinePerRequest() });
  const held = new HeldCalls();
  const timers = new Set<NodeJS.Timeout>();

  // Decide what is due before anyone looks, so every answer sees decisions made on time,
  // including those whose timer died with a previous process.
  const requests = new RequestLog();
  // No route has a key: a browser page rebound to our address (DNS rebinding) is refused by its Host.
  const hostNames = allowedHostNames({ bindHost: opts.host, extra: opts.allowedHosts ?? [] });
  app.addHook('onRequest', async (request, reply) => {
    if (!hostAllowed(request.headers.host, hostNames)) {
      return reply.code(421).send({ code: 'HOST_NOT_ALLOWED', message: `the mock bureau answers only ${[...hostNames].join(', ')} as Host (BUREAU_ALLOWED_HOSTS adds names)` });
    }
    if (request.url.startsWith('/v1/')) requests.add(Date.now());
    state.settleDue();
  });
  // Nothing is answered before what it changed is on disk.
  app.addHook('onSend', async () => state.flush());
  app.addHook('preClose', async () => {
    held.releaseAll();
    for (const timer of timers) clearTimeout(timer);
  });
  app.addHook('onClose', async () => state.flush());
  app.addSchema(schemas.errorBody);
  app.setErrorHandler((error: FastifyError | BureauRefusal, _request, reply) => handleError(error, reply, app.log));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: 'NOT_FOUND', message: `${request.method} ${request.url} is not a route of the mock bureau` }),
  );

  // A timer decides promptly even when no one asks, so the state file shows decisions on time.
  // Timers may fire a little early, so whatever is still undecided gets a timer of its own.
  const scheduleDecision = (delayMs = state.settings().resultDelayMs + 1): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      try {
        const next = state.settleDue();
        if (next) scheduleDecision(Math.max(1, next.getTime() - Date.now() + 1));
      } catch (err) {
        app.log.error({ err }, 'deciding pending requests failed');
      }
      state.flush().catch((err: unknown) => app.log.error({ err }, 'writing the bureau state failed'));
    }, delayMs);
    timer.unref();
    timers.add(timer);
  };
  const deps: ServiceDeps = { state, guard: faultGuard(state, held), scheduleDecision };

  app.get('/health', { schema: schemas.health }, async () => ({ status: 'ok' }));
  registerEmployerRoutes(app, deps);
  registerDeclarationRoutes(app, deps);
  registerPaymentRoutes(app, deps);
  registerAdminRoutes(app, state, requests);
  return app;
}
