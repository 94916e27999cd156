// Assessed fee items (F-2.1–F-2.3, F-2.8): download, filter, explain what cannot be declared, export.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CloneType } from '@sinclair/typebox';
import { INSURANCE_NAMES, type FeeItem } from '../../domain/fee-items';
import { formatYuan } from '../../domain/money';
import { employerFeeItems } from '../../use-cases/fee-items';
import { EXPORT_FORMATS, sendTable, type Column } from '../export';
import { Enum, FileAnswer, IdParams, Period, Type, errors } from '../schemas/common';
import { DeclarationKind, FeeItemList } from '../schemas/fee-items';
import { feeItemView } from '../views';

// Defaults the validator fills in (CloneType adds them to the schema); the handler's types still see them as optional.
const DEFAULT_KIND = 'regular';
const DEFAULT_FORMAT = 'csv';

/** F-2.2's filter, and which kind of items to download. */
const filterProperties = {
  kind: Type.Optional(CloneType(DeclarationKind, { default: DEFAULT_KIND })),
  unitNumber: Type.Optional(Type.String({ maxLength: 30, description: 'only the items of this unit number 单位编号' })),
  agency: Type.Optional(Type.String({ maxLength: 100, description: 'only the items of this social insurance agency 社保经办机构' })),
  period: Type.Optional(Period),
};

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

const feeItemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/employers/:id/fee-items',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Download the assessed fee items (应征费款信息) and say why any cannot be declared',
        tags: ['declarations'],
        params: IdParams('employer'),
        querystring: Type.Object(filterProperties, { additionalProperties: false }),
        response: { 200: FeeItemList, ...errors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const kind = request.query.kind ?? DEFAULT_KIND;
      const { employer, all, items, excluded } = await employerFeeItems(app, request.params.id, { ...request.query, kind });
      const byId = new Map(all.map((i) => [i.itemId, i]));
      return {
        employerId: employer.id,
        kind,
        downloaded: all.length,
        downloadedAt: new Date().toISOString(),
        items: items.map(feeItemView),
        excluded: excluded.map((x) => ({ ...x, item: feeItemView(byId.get(x.itemId)!) })),
      };
    },
  );

  app.get(
    '/employers/:id/fee-items/export',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Export the pre-processing summary (社保费预处理汇总信息) of declarable items as CSV or XLSX',
        tags: ['declarations'],
        params: IdParams('employer'),
        querystring: Type.Object({ ...filterProperties, format: Type.Optional(CloneType(Enum(EXPORT_FORMATS, 'CSV (UTF-8 with a BOM) or XLSX'), { default: DEFAULT_FORMAT })) }, { additionalProperties: false }),
        response: {
          200: FileAnswer('the pre-processing summary 预处理汇总, one row per declarable item', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
          ...errors(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request, reply) => {
      const kind = request.query.kind ?? DEFAULT_KIND;
      const { employer, items } = await employerFeeItems(app, request.params.id, { ...request.query, kind });
      const filename = `pre-processing-summary-${employer.unitNumber}-${kind}`;
      return sendTable(reply, { format: request.query.format ?? DEFAULT_FORMAT, filename, sheet: '预处理汇总', columns: SUMMARY_COLUMNS, rows: items });
    },
  );
};

export default feeItemRoutes;
