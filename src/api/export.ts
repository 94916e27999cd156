// Tables as downloads: CSV (with a BOM, so spreadsheet programs read Chinese headers as UTF-8)
// or XLSX. Used by the fee items' pre-processing summary and the reconciliation. Both are streamed
// as the rows come (chunked), so a large table is never held whole as one string or buffer.
import { PassThrough, Readable, type Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';
import { csvCell } from '../domain/csv';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number;
}

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface Table<T> {
  format: ExportFormat;
  filename: string;
  sheet: string;
  columns: readonly Column<T>[];
  rows: Iterable<T> | AsyncIterable<T>;
}

/** CSV text is sent in pieces of about this many characters. */
const CSV_CHUNK = 64 * 1024;
/** XLSX rows committed between looks at whether the client keeps up. */
const XLSX_ROWS_PER_CHECK = 500;

export async function sendTable<T>(reply: FastifyReply, t: Table<T>) {
  if (t.format === 'xlsx') {
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${t.filename}.xlsx"`)
      .send(xlsxStream(t));
  }
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${t.filename}.csv"`)
    .send(Readable.from(csvChunks(t), { objectMode: false }));
}

async function* csvChunks<T>(t: Table<T>): AsyncGenerator<string> {
  let chunk = `\uFEFF${t.columns.map((c) => csvCell(c.header)).join(',')}\r\n`;
  for await (const row of t.rows) {
    chunk += `${t.columns.map((c) => csvCell(c.value(row))).join(',')}\r\n`;
    if (chunk.length >= CSV_CHUNK) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

/** ExcelJS's streaming writer: each row is written to the zip as it is committed. */
function xlsxStream<T>(t: Table<T>): PassThrough {
  const out = new PassThrough();
  const write = async () => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
    const sheet = workbook.addWorksheet(t.sheet);
    sheet.columns = t.columns.map(() => ({ width: 22 }));
    const header = sheet.addRow(t.columns.map((c) => c.header));
    header.font = { bold: true };
    header.commit();
    let n = 0;
    for await (const row of t.rows) {
      if (out.destroyed) return; // the client went away
      sheet.addRow(t.columns.map((c) => c.value(row))).commit();
      // The writer does not wait for the client: let it catch up before more rows pile up.
      if (++n % XLSX_ROWS_PER_CHECK === 0) await drained(out);
    }
    sheet.commit();
    await workbook.commit();
  };
  write().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}

/** Resolves once the stream takes writes again (at once when it does), or is closed. */
function drained(stream: Writable): Promise<void> {
  if (!stream.writableNeedDrain || stream.destroyed) return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
