// Reconciliation with the bureau's ledger (对账): a day's collections at the bureau against our
// payments, run each night by a Temporal Schedule and on demand here, exportable as CSV/XLSX.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CloneType } from '@sinclair/typebox';
import { getReconciliation } from '../../db/reconciliations';
import { formatYuan } from '../../domain/money';
import { chinaDay } from '../../domain/china-time';
import type { ReconciliationItem, ReconciliationSummary } from '../../domain/reconciliation';
import { EXPORT_FORMATS, sendTable, type Column } from '../export';
import { Problem } from '../../domain/problem';
import { Enum, FileAnswer, Type, errors } from '../schemas/common';
import { ReconciliationView } from '../schemas/reconciliations';
import { WORKFLOW } from '../../contracts/workflow-types';

const DateParams = Type.Object(
  { date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a day in China time, YYYY-MM-DD' }) },
  { additionalProperties: false },
);

const yuanOrEmpty = (fen: number | null) => (fen === null ? '' : formatYuan(fen));
const COLUMNS: Column<ReconciliationItem>[] = [
  { header: '结果 status', value: (i) => i.status },
  { header: '类型 kind', value: (i) => i.kind },
  { header: '扣款流水/凭证号 reference', value: (i) => i.ref },
  { header: '纳税人识别号 taxpayer ID', value: (i) => i.taxpayerId },
  { header: '本方金额 ours (yuan)', value: (i) => yuanOrEmpty(i.ourAmountFen) },
  { header: '税务金额 bureau (yuan)', value: (i) => yuanOrEmpty(i.bureauAmountFen) },
  { header: '缴费 payment', value: (i) => i.paymentId ?? '' },
  { header: '本方时间 our time', value: (i) => i.ourAt ?? '' },
  { header: '税务时间 bureau time', value: (i) => i.bureauAt ?? '' },
];

/** The pattern lets 2026-02-30 and 0000-00-00 through; the calendar does not. */
function assertDay(date: string): void {
  const day = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || day.getUTCFullYear() < 1 || day.toISOString().slice(0, 10) !== date) {
    throw new Problem(400, 'VALIDATION_FAILED', 'The request is not valid', `${date} is not a day of the calendar`);
  }
}

const reconciliationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  async function stored(date: string) {
    assertDay(date);
    const r = await getReconciliation(app.db, date);
    if (!r) throw new Problem(404, 'NOT_RECONCILED', 'This day was not reconciled', `${date} has not been reconciled yet: POST /api/reconciliations/${date} runs it`);
    return r;
  }

  app.get(
    '/reconciliations/:date',
    {
      config: { access: 'read' },
      schema: {
        summary: 'A day’s reconciliation with the bureau’s ledger: matched, missing here, missing at the bureau, amount mismatches',
        description: 'The latest run for the day (the nightly schedule reconciles yesterday at 01:00 China time; POST runs it now). Items: discrepancies first.',
        tags: ['reconciliation'],
        params: DateParams,
        response: { 200: ReconciliationView, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => stored(request.params.date),
  );

  app.post(
    '/reconciliations/:date',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Reconcile a day with the bureau’s ledger now, and answer the result',
        description: 'Runs the reconciliation workflow for the day and waits for it (a run going on for the day is joined). 400 `DATE_IN_FUTURE` for a day not begun.',
        tags: ['reconciliation'],
        params: DateParams,
        response: { 200: ReconciliationView, ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const { date } = request.params;
      assertDay(date);
      const today = chinaDay(new Date());
      if (date > today) throw new Problem(400, 'DATE_IN_FUTURE', 'That day has not begun', `${date} is after today (${today}, China time)`);
      const handle = await app.temporal.workflow.start(WORKFLOW.reconciliationWorkflow, {
        workflowId: `reconciliation-${date}-${app.config.taskQueue}`,
        taskQueue: app.config.taskQueue,
        args: [{ date, actor: request.actor!.name }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      await (handle.result() as Promise<ReconciliationSummary>);
      return stored(date);
    },
  );

  app.get(
    '/reconciliations/:date/export',
    {
      config: { access: 'read' },
      schema: {
        summary: 'A day’s reconciliation as CSV or XLSX, one row per collection, discrepancies first',
        tags: ['reconciliation'],
        params: DateParams,
        querystring: Type.Object({ format: Type.Optional(CloneType(Enum(EXPORT_FORMATS, 'the file: CSV (UTF-8 with a BOM) or XLSX'), { default: 'csv' })) }, { additionalProperties: false }),
        response: {
          200: FileAnswer('the reconciliation as a table (attachment reconciliation-<date>.csv or .xlsx)', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const r = await stored(request.params.date);
      return sendTable(reply, { format: request.query.format ?? 'csv', filename: `reconciliation-${r.date}`, sheet: `对账 ${r.date}`, columns: COLUMNS, rows: r.items });
    },
  );
};

export default reconciliationRoutes;
