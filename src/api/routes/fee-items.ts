// Assessed fee items (F-2.1–F-2.3, F-2.8): download, filter, explain what cannot be declared, export.
import type { FastifyInstance } from 'fastify';
import { heldItemIds } from '../../db/declarations';
import type { EmployerRow } from '../../db/employers';
import { DECLARATION_KINDS, INSURANCE_NAMES, partitionItems, type DeclarationKind, type FeeItem, type FeeItemFilter } from '../../domain/fee-items';
import { formatYuan } from '../../domain/money';
import { openEmployer } from '../../use-cases/employer-access';
import { downloadFeeItems } from '../../use-cases/fee-items';
import { EXPORT_FORMATS, sendTable, type Column, type ExportFormat } from '../export';
import { feeItemView } from '../views';
import { chinaToday, errors, idParams, periodSchema } from './common';

interface FeeItemQuery extends FeeItemFilter {
  kind: DeclarationKind;
}

const filterProperties = {
  kind: { type: 'string', enum: DECLARATION_KINDS, default: 'regular', description: 'regular 日常申报 or special 特殊缴费申报' },
  unitNumber: { type: 'string', maxLength: 30 },
  agency: { type: 'string', maxLength: 100 },
  period: periodSchema,
} as const;

/** Downloads the employer's items from the bureau (kept briefly for declaring) and splits them into declarable and excluded. */
export async function loadFeeItems(app: FastifyInstance, employer: EmployerRow, query: FeeItemQuery) {
  const [all, held] = await Promise.all([
    downloadFeeItems(app, employer.taxpayerId, query.kind),
    heldItemIds(app.db, employer.id),
  ]);
  return { all, ...partitionItems(all, query, chinaToday(), held) };
}

const SUMMARY_COLUMNS: Column<FeeItem>[] = [
  { header: '单位编号 unit number', value: (i) => i.unitNumber },
  { header: '险种 insurance', value: (i) => INSURANCE_NAMES[i.insuranceType] },
  { header: '社保经办机构 agency', value: (i) => i.agency },
  { header: '费款所属期 period', value: (i) => i.period },
  { header: '缴费人数 headcount', value: (i) => i.headcount },
  { header: '缴费基数 base (yuan)', value: (i) => formatYuan(i.baseFen) },
  { header: '单位缴费 employer (yuan)', value: (i) => formatYuan(i.employerFen) },
  { header: '个人缴费 employee (yuan)', value: (i) => formatYuan(i.employeeFen) },
  { header: '应缴金额 amount (yuan)', value: (i) => formatYuan(i.amountFen) },
  { header: '征集单号 collection order', value: (i) => i.collectionOrder },
  { header: '有效期至 valid until', value: (i) => i.validUntil },
];

export default async function feeItemRoutes(app: FastifyInstance) {
  app.get<{ Params: { id: string }; Querystring: FeeItemQuery }>(
    '/employers/:id/fee-items',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Download the assessed fee items (应征费款信息) and say why any cannot be declared',
        tags: ['declarations'],
        params: idParams,
        querystring: { type: 'object', properties: filterProperties, additionalProperties: false },
        response: errors(400, 401, 403, 404, 503),
      },
    },
    async (request) => {
      const employer = await openEmployer(app, request.params.id);
      const { all, items, excluded } = await loadFeeItems(app, employer, request.query);
      return {
        employerId: employer.id,
        kind: request.query.kind,
        downloaded: all.length,
        downloadedAt: new Date().toISOString(),
        items: items.map(feeItemView),
        excluded,
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: FeeItemQuery & { format: ExportFormat } }>(
    '/employers/:id/fee-items/export',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Export the pre-processing summary (社保费预处理汇总信息) of declarable items as CSV or XLSX',
        tags: ['declarations'],
        params: idParams,
        querystring: {
          type: 'object',
          properties: { ...filterProperties, format: { type: 'string', enum: EXPORT_FORMATS, default: 'csv' } },
          additionalProperties: false,
        },
        response: errors(400, 401, 403, 404, 503),
      },
    },
    async (request, reply) => {
      const employer = await openEmployer(app, request.params.id);
      const { items } = await loadFeeItems(app, employer, request.query);
      const filename = `pre-processing-summary-${employer.unitNumber}-${request.query.kind}`;
      return sendTable(reply, { format: request.query.format, filename, sheet: '预处理汇总', columns: SUMMARY_COLUMNS, rows: items });
    },
  );
}
