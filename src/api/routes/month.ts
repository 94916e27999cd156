// The month at a glance (本月进度): employers × the chosen fee period and those before it, each
// cell where the period stands with its amounts, filtered, sorted, paged, totalled and exported;
// and the bulk actions started from it (批量操作: pay every accepted one, print every certificate).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CloneType } from '@sinclair/typebox';
import { bulkCounts, getBulkAction, listBulkActions, listBulkEntries, type BulkActionRow } from '../../db/bulk-actions';
import { cellKey, monthEmployers, readMonthFacts, type MonthEmployer } from '../../db/month';
import type { BulkActionKind, BulkCounts, BulkEntryStatus } from '../../domain/bulk-action';
import { formatYuanGrouped } from '../../domain/money';
import {
  MONTH_STATES,
  MONTH_STATE_WORDS,
  NO_FACTS,
  compareKeys,
  monthView,
  needsOperator,
  periodsUpTo,
  sortKey,
  type MonthCell,
  type MonthFilter,
  type MonthRow,
  type MonthSortKey,
} from '../../domain/month';
import type { PaymentState } from '../../domain/payment';
import { startBulkAction } from '../../use-cases/start-bulk-action';
import { callerOf } from '../caller';
import { EXPORT_FORMATS, sendTable, type Column } from '../export';
import { Problem, notFound } from '../../domain/problem';
import { Enum, FileAnswer, IdParams, Type, errors } from '../schemas/common';
import { BulkActionBody, BulkActionList, BulkActionReport, MonthAnswer, MonthQuery, MONTH_LIMIT, StartedBulkAction } from '../schemas/month';
import { money } from '../views';

type Query = { period: string; periods?: number; state?: MonthFilter['state']; needsMe?: boolean; q?: string; sort?: MonthFilter['sort'] };

/** The whole view, every row the filters keep, in order. */
async function readView(db: Parameters<typeof readMonthFacts>[0], q: Query) {
  const periods = periodsUpTo(q.period, q.periods ?? 2);
  const [employers, facts] = await Promise.all([monthEmployers(db, q.q), readMonthFacts(db, periods)]);
  const filter: MonthFilter = { state: q.state, needsOperator: q.needsMe, sort: q.sort ?? 'name' };
  return { periods, filter, ...monthView(employers, (id, period) => facts.get(cellKey(id, period)) ?? NO_FACTS, periods, filter) };
}

function encodeCursor(key: MonthSortKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): MonthSortKey {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === 3 && Number.isFinite(key[0]) && typeof key[1] === 'string' && typeof key[2] === 'string') return key as MonthSortKey;
  } catch {
    // not ours: refused below
  }
  throw new Problem(400, 'CURSOR_INVALID', 'The cursor is not valid', 'pass the `nextCursor` of the previous page unchanged, with the same sort, or no cursor for the first page');
}

const cellView = (c: MonthCell) => ({
  period: c.period,
  state: c.state,
  ...money('amount', c.amountFen),
  ...money('paid', c.facts.paidFen),
  ...money('unpaid', c.unpaidFen),
  declarations: c.facts.standing + c.facts.submitted + c.facts.resultUnknown + c.facts.rejected,
  payments: c.facts.deducting + c.facts.awaitingRetry + c.facts.failedPayments + c.facts.vouchersWaiting,
  certificates: c.facts.certificates,
});

const EXPORT_COLUMNS = (periods: readonly string[]): Column<MonthRow<MonthEmployer>>[] => [
  { header: '用人单位 employer', value: (r) => r.employer.name },
  { header: '纳税人识别号 taxpayer ID', value: (r) => r.employer.taxpayerId },
  { header: '单位编号 unit number', value: (r) => r.employer.unitNumber },
  ...periods.flatMap((period, i): Column<MonthRow<MonthEmployer>>[] => [
    { header: `${period} 状态 state`, value: (r) => MONTH_STATE_WORDS[r.cells[i]!.state] },
    { header: `${period} 申报金额 declared (yuan)`, value: (r) => formatYuanGrouped(r.cells[i]!.amountFen) },
    { header: `${period} 未缴金额 unpaid (yuan)`, value: (r) => formatYuanGrouped(r.cells[i]!.unpaidFen) },
  ]),
];

function bulkView(b: BulkActionRow, progress: BulkCounts) {
  return {
    id: b.id,
    kind: b.kind as BulkActionKind,
    period: b.period,
    status: b.status as 'running' | 'completed',
    workflowId: b.workflowId,
    progress,
    createdBy: b.createdBy,
    createdAt: b.createdAt.toISOString(),
    finishedAt: b.finishedAt?.toISOString() ?? null,
  };
}

const MonthExportQuery = Type.Composite([Type.Omit(MonthQuery, ['cursor', 'limit']), Type.Object({ format: Type.Optional(CloneType(Enum(EXPORT_FORMATS, 'CSV (UTF-8 with a BOM) or XLSX'), { default: 'csv' })) })], {
  additionalProperties: false,
});

const monthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/month',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The month at a glance (本月进度): every employer’s state and amounts for a fee period and those before it, with totals',
        description: 'Page with `cursor` = the answer’s `nextCursor`, with the same filters and sort.',
        tags: ['month'],
        querystring: MonthQuery,
        response: { 200: MonthAnswer, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const view = await readView(app.db, q);
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      const sort = view.filter.sort;
      const from = after ? view.rows.findIndex((r) => compareKeys(sortKey(r, sort), after) > 0) : 0;
      const start = from === -1 ? view.rows.length : from;
      const limit = q.limit ?? MONTH_LIMIT;
      const page = view.rows.slice(start, start + limit);
      const more = start + limit < view.rows.length;
      return {
        periods: view.periods,
        states: MONTH_STATES.map((state) => ({ state, words: MONTH_STATE_WORDS[state], needsMe: needsOperator(state) })),
        totals: view.periods.map((period) => {
          const t = view.totals[period]!;
          return { period, employers: t.employers, byState: t.byState, ...money('declared', t.declaredFen), ...money('paid', t.paidFen), ...money('unpaid', t.unpaidFen) };
        }),
        matching: view.rows.length,
        rows: page.map((r) => ({ employer: r.employer, cells: r.cells.map(cellView) })),
        nextCursor: more ? encodeCursor(sortKey(page.at(-1)!, sort)) : null,
      };
    },
  );

  app.get(
    '/month/export',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Export the month view that the filters select, as CSV or XLSX',
        tags: ['month'],
        querystring: MonthExportQuery,
        response: { 200: FileAnswer('the month view, a row per employer', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { format = 'csv', ...q } = request.query;
      const view = await readView(app.db, q);
      return sendTable(reply, { format, filename: `month-${q.period}`, sheet: '本月进度', columns: EXPORT_COLUMNS(view.periods), rows: view.rows });
    },
  );

  app.post(
    '/bulk-actions',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Start a bulk action for the selected employers: pay every accepted declaration of the period by agreement, or print every certificate',
        description:
          'A payment checks, for every employer, what one payment checks (the employer open, each declaration password with the bureau) before anything is recorded; one refusal refuses the whole action with every employer’s reason.',
        tags: ['month'],
        body: BulkActionBody,
        response: { 202: StartedBulkAction, ...errors(400, 401, 403, 409, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { bulk, progress, workflowStarted } = await startBulkAction(app, callerOf(request), request.body);
      return reply.status(202).send({ ...bulkView(bulk, progress), workflowStarted });
    },
  );

  app.get(
    '/bulk-actions',
    {
      config: { access: 'read' },
      schema: { summary: 'The latest bulk actions, newest first', tags: ['month'], response: { 200: BulkActionList, ...errors(401, 403) } },
    },
    async () => {
      const rows = await listBulkActions(app.db, 20);
      return { bulkActions: await Promise.all(rows.map(async (b) => bulkView(b, await bulkCounts(app.db, b.id)))) };
    },
  );

  app.get(
    '/bulk-actions/:id',
    {
      config: { access: 'read' },
      schema: {
        summary: 'A bulk action’s report: every employer with its payment or certificate, or why not',
        tags: ['month'],
        params: IdParams('bulk action'),
        response: { 200: BulkActionReport, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const bulk = await getBulkAction(app.db, request.params.id);
      if (!bulk) throw notFound('bulk action', request.params.id);
      const entries = await listBulkEntries(app.db, bulk.id);
      return {
        ...bulkView(bulk, await bulkCounts(app.db, bulk.id)),
        employers: entries.map((e) => ({
          n: e.n,
          employerId: e.employerId,
          name: e.employerName,
          status: e.status as BulkEntryStatus,
          payment: e.paymentStatus !== null && e.subjectId ? { id: e.subjectId, status: e.paymentStatus as PaymentState, ...money('total', e.paymentTotalFen ?? 0) } : null,
          certificate: e.certificateKind !== null && e.subjectId ? { id: e.subjectId, pdf: `/api/certificates/${e.subjectId}/pdf` } : null,
          reason: e.reasonCode ? { code: e.reasonCode, message: e.reason ?? '' } : null,
        })),
      };
    },
  );
};

export default monthRoutes;
