// Tables as downloads: CSV (with a BOM, so spreadsheet programs read Chinese headers as UTF-8)
// or XLSX. Used by the fee items' pre-processing summary and the reconciliation.
import ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';
import { csvCell } from '../domain/csv';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number;
}

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export async function sendTable<T>(reply: FastifyReply, t: { format: ExportFormat; filename: string; sheet: string; columns: readonly Column<T>[]; rows: readonly T[] }) {
  if (t.format === 'xlsx') {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet(t.sheet);
    sheet.addRow(t.columns.map((c) => c.header)).font = { bold: true };
    for (const row of t.rows) sheet.addRow(t.columns.map((c) => c.value(row)));
    sheet.columns.forEach((col) => (col.width = 22));
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${t.filename}.xlsx"`)
      .send(buffer);
  }
  const lines = [t.columns.map((c) => csvCell(c.header)).join(',')];
  for (const row of t.rows) lines.push(t.columns.map((c) => csvCell(c.value(row))).join(','));
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${t.filename}.csv"`)
    .send(`\uFEFF${lines.join('\r\n')}\r\n`);
}
