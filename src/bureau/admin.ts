// Admin routes of the mock bureau: what tests and demos use to shape its data, act as the bank
// counter or the agencies, and inject faults. No auth: the bureau listens on 127.0.0.1 only.
import type { FastifyInstance } from 'fastify';
import type { FaultRule } from './contract';
import * as schemas from './schemas';
import type { AssessedCondition, AssessmentPush, BureauSettings, BureauState, EmployerPatch, NewEmployer, SeedRequest } from './state';

type AssessmentBody = AssessmentPush | { itemId: string; state: AssessedCondition };

/** When each service request (/v1) arrived, the latest ones: what a client's pace looks like from here. */
export class RequestLog {
  private static readonly KEEP = 200_000;
  private times: number[] = [];

  add(at: number): void {
    this.times.push(at);
    if (this.times.length > RequestLog.KEEP * 2) this.times = this.times.slice(-RequestLog.KEEP);
  }

  since(at: number): number[] {
    return this.times.filter((t) => t >= at);
  }
}

export function registerAdminRoutes(app: FastifyInstance, state: BureauState, requests: RequestLog): void {
  app.post('/admin/reset', { schema: schemas.adminReset }, async () => {
    state.reset();
    return { ok: true };
  });

  app.post<{ Body: SeedRequest }>('/admin/seed', { schema: schemas.adminSeed }, async (request) => ({
    employers: state.seed(request.body),
  }));

  app.get('/admin/employers', { schema: schemas.adminListEmployers }, async () => ({ employers: state.listEmployers() }));

  app.post<{ Body: NewEmployer }>('/admin/employers', { schema: schemas.adminAddEmployer }, async (request, reply) =>
    reply.code(201).send(state.addEmployer(request.body)),
  );

  app.patch<{ Params: { taxpayerId: string }; Body: EmployerPatch }>(
    '/admin/employers/:taxpayerId',
    { schema: schemas.adminPatchEmployer },
    async (request) => state.patchEmployer(request.params.taxpayerId, request.body),
  );

  app.get('/admin/ledger', { schema: schemas.adminLedger }, async () => ({ entries: state.ledger() }));

  app.post<{ Params: { voucherNumber: string } }>('/admin/vouchers/:voucherNumber/pay', { schema: schemas.adminPayVoucher }, async (request) =>
    state.payVoucher(request.params.voucherNumber),
  );

  app.post<{ Body: AssessmentBody }>('/admin/assessments', { schema: schemas.adminAssessments }, async (request) => {
    const body = request.body;
    return { items: 'itemId' in body ? [state.setItemState(body.itemId, body.state)] : state.pushAssessment(body) };
  });

  app.post<{ Body: FaultRule }>('/admin/faults', { schema: schemas.adminAddFault }, async (request, reply) =>
    reply.code(201).send(state.addFault(request.body)),
  );
  app.get('/admin/faults', { schema: schemas.adminListFaults }, async () => ({ faults: state.listFaults() }));
  app.delete('/admin/faults', { schema: schemas.adminClearFaults }, async () => {
    state.clearFaults();
    return { ok: true };
  });

  app.get('/admin/settings', { schema: schemas.adminGetSettings }, async () => state.settings());
  app.patch<{ Body: Partial<BureauSettings> }>('/admin/settings', { schema: schemas.adminSettings }, async (request) =>
    state.updateSettings(request.body),
  );

  app.get('/admin/state', { schema: schemas.adminState }, async () => state.snapshot());

  /** Arrival times (epoch ms) of the service requests since `since`, oldest first. */
  app.get<{ Querystring: { since?: number } }>('/admin/requests', { schema: schemas.adminRequests }, async (request) => ({
    times: requests.since(request.query.since ?? 0),
  }));
}
