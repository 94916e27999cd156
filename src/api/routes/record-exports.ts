// Declaration records (申报记录) and payments (缴费记录) as CSV or XLSX, with the filters of their
// lists: what an office files at the end of a month. Every matching row, read a page at a time
// and streamed, with columns for people: names, words, China time, yuan with separators.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CloneType } from '@sinclair/typebox';
import { listDeclarations, type DeclarationRow } from '../../db/declarations';
import { employerNames } from '../../db/employers';
import { listPayments, type PaymentRecord } from '../../db/payments';
import type { Db } from '../../db/client';
import type { PageKey } from '../../db/paging';
import { chinaTime } from '../../domain/china-time';
import { formatYuanGrouped } from '../../domain/money';
import { EXPORT_FORMATS, sendTable, type Column } from '../export';
import { pageKey } from '../paging';
import { checkDeclaredRange } from './declarations';
import { DeclarationQuery } from '../schemas/declarations';
import { Enum, FileAnswer, Type, errors } from '../schemas/common';
import { PaymentsQuery } from '../schemas/payments';

const PAGE = 500;
const DEFAULT_FORMAT = 'csv';
const Format = Type.Optional(CloneType(Enum(EXPORT_FORMATS, 'CSV (UTF-8 with a BOM) or XLSX'), { default: DEFAULT_FORMAT }));

const DECLARATION_WORDS: Record<string, string> = {
  submitted: '已提交', accepted: '申报成功', rejected: '申报失败', result_unknown: '结果未知', voiding: '作废中', voided: '已作废', void_rejected: '作废失败',
};
const PAID_WORDS: Record<string, string> = { unpaid: '未缴费', partially_paid: '部分缴费', paid: '已缴费' };
const PAYMENT_WORDS: Record<string, string> = {
  deducting: '扣款中', awaiting_retry: '等待重试', paid: '缴费成功', failed: '缴费失败', cancelled: '已取消',
  voucher_issued: '凭证已开具', voucher_voided: '凭证已作废', voucher_expired: '凭证已过期',
};
const METHOD_WORDS: Record<string, string> = { three_party: '三方协议', bank_voucher: '银行端凭证' };
const words = (map: Record<string, string>, code: string) => `${map[code] ?? ''} ${code}`.trim();

type Named<T> = T & { employerName: string };

/** Every row of a keyset-paged list, a page at a time, each with its employer's name. */
async function* allRows<T extends { employerId: string }>(db: Db, page: (after: PageKey | undefined) => Promise<{ rows: T[]; nextCursor: string | null }>): AsyncIterable<Named<T>> {
  let after: PageKey | undefined;
  for (;;) {
    const { rows, nextCursor } = await page(after);
    const names = await employerNames(db, rows.map((r) => r.employerId));
    for (const r of rows) yield { ...r, employerName: names.get(r.employerId) ?? r.employerId };
    if (nextCursor === null) return;
    after = pageKey(nextCursor);
  }
}

const DECLARATION_COLUMNS: Column<Named<DeclarationRow & { periods: string[] }>>[] = [
  { header: '申报编号 declaration', value: (d) => d.id },
  { header: '用人单位 employer', value: (d) => d.employerName },
  { header: '费款所属期 periods', value: (d) => d.periods.join(' ') },
  { header: '申报类型 kind', value: (d) => (d.kind === 'regular' ? '日常申报 regular' : '特殊缴费申报 special') },
  { header: '申报状态 status', value: (d) => words(DECLARATION_WORDS, d.status) },
  { header: '缴费状态 payment', value: (d) => words(PAID_WORDS, d.paymentStatus) },
  { header: '申报金额 total (yuan)', value: (d) => formatYuanGrouped(d.totalFen) },
  { header: '申报时间 declared at (北京时间)', value: (d) => chinaTime(d.declaredAt) },
  { header: '申报人 declared by', value: (d) => d.declaredBy },
  { header: '申报序号 serial', value: (d) => d.serial ?? '' },
];

const PAYMENT_COLUMNS: Column<Named<PaymentRecord>>[] = [
  { header: '缴费编号 payment', value: (p) => p.id },
  { header: '用人单位 employer', value: (p) => p.employerName },
  { header: '费款所属期 periods', value: (p) => p.periods.join(' ') },
  { header: '申报编号 declarations', value: (p) => [...new Set(p.lines.map((l) => l.declarationId))].join(' ') },
  { header: '缴费方式 method', value: (p) => words(METHOD_WORDS, p.method) },
  { header: '缴费金额 total (yuan)', value: (p) => formatYuanGrouped(p.totalFen) },
  { header: '缴费状态 status', value: (p) => words(PAYMENT_WORDS, p.status) },
  { header: '扣款次数 deductions', value: (p) => p.attempts.length },
  { header: '限缴日期 voucher deadline', value: (p) => p.voucher?.deadline ?? '' },
  { header: '开始时间 started at (北京时间)', value: (p) => chinaTime(p.createdAt) },
  { header: '操作人 started by', value: (p) => p.createdBy },
];

/** A list's filters without its paging (the export takes every row), and the format. */
const DeclarationExportQuery = Type.Composite([Type.Omit(DeclarationQuery, ['cursor', 'limit']), Type.Object({ format: Format })], { additionalProperties: false });
const PaymentExportQuery = Type.Composite([Type.Omit(PaymentsQuery, ['cursor', 'limit']), Type.Object({ format: Format })], { additionalProperties: false });

const recordExportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/declarations/export',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Export the declaration records (申报记录) that the list’s filters select, as CSV or XLSX',
        tags: ['declarations'],
        querystring: DeclarationExportQuery,
        response: { 200: FileAnswer('the declaration records, newest first', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { format = DEFAULT_FORMAT, ...q } = request.query;
      checkDeclaredRange(q);
      const rows = allRows(app.db, (after) => listDeclarations(app.db, { ...q, after, limit: PAGE }));
      return sendTable(reply, { format, filename: `declarations${q.period ? `-${q.period}` : ''}`, sheet: '申报记录', columns: DECLARATION_COLUMNS, rows });
    },
  );

  app.get(
    '/payments/export',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Export the payments (缴费记录) that the list’s filters select, as CSV or XLSX',
        tags: ['payments'],
        querystring: PaymentExportQuery,
        response: { 200: FileAnswer('the payments, newest first', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { format = DEFAULT_FORMAT, ...q } = request.query;
      const rows = allRows(app.db, (after) => listPayments(app.db, { ...q, after, limit: PAGE }));
      return sendTable(reply, { format, filename: `payments${q.period ? `-${q.period}` : ''}`, sheet: '缴费记录', columns: PAYMENT_COLUMNS, rows });
    },
  );
};

export default recordExportRoutes;
