// Exports stream (issue 16): a table of 50,000 rows through sendTable in a small Fastify app, over
// HTTP, arrives chunked (no Content-Length, in many pieces), complete and readable, as CSV and XLSX.
import ExcelJS from 'exceljs';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendTable, type Column, type ExportFormat } from '../../src/api/export';

const ROWS = 50_000;

interface Row {
  n: number;
  name: string;
}

const COLUMNS: Column<Row>[] = [
  { header: '序号 n', value: (r) => r.n },
  { header: '名称 name', value: (r) => r.name },
];

/** The rows as a database page by page would give them: asynchronously, a few at a time. */
async function* rows(): AsyncGenerator<Row> {
  for (let n = 1; n <= ROWS; n++) {
    if (n % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    yield { n, name: n === 7 ? '=cmd, "quoted"' : `第${n}号单位` };
  }
}

let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  app = Fastify();
  app.get<{ Querystring: { format: ExportFormat } }>('/table', (request, reply) =>
    sendTable(reply, { format: request.query.format, filename: 'big', sheet: '大表', columns: COLUMNS, rows: rows() }),
  );
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
});

/** The answer's body, checked to come as an attachment of this type, chunked and in many pieces. */
async function download(format: ExportFormat, contentType: string): Promise<Uint8Array<ArrayBuffer>> {
  const res = await fetch(`${url}/table?format=${format}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe(contentType);
  expect(res.headers.get('content-disposition')).toBe(`attachment; filename="big.${format}"`);
  expect(res.headers.get('transfer-encoding')).toBe('chunked');
  expect(res.headers.get('content-length')).toBeNull();
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  expect(chunks.length).toBeGreaterThan(1);
  return body;
}

describe('sendTable', () => {
  it('streams a large CSV: chunked, complete, BOM first', async () => {
    const body = await download('csv', 'text/csv; charset=utf-8');
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
    expect(text.startsWith('\uFEFF序号 n,名称 name\r\n')).toBe(true);
    const lines = text.slice(1).split('\r\n');
    expect(lines.pop()).toBe(''); // the last line ends too
    expect(lines).toHaveLength(ROWS + 1);
    expect(lines[1]).toBe('1,第1号单位');
    expect(lines[7]).toBe(`7,"'=cmd, ""quoted"""`);
    expect(lines[ROWS]).toBe(`${ROWS},第${ROWS}号单位`);
  });

  it('streams a large XLSX through the streaming writer: chunked, and ExcelJS opens it whole', async () => {
    const body = await download('xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(body.buffer);
    const sheet = workbook.getWorksheet('大表')!;
    expect(sheet.rowCount).toBe(ROWS + 1);
    expect(sheet.getRow(1).getCell(2).value).toBe('名称 name');
    expect(sheet.getRow(1).font).toMatchObject({ bold: true });
    expect(sheet.getRow(2).values).toEqual([undefined, 1, '第1号单位']);
    expect(sheet.getRow(ROWS + 1).values).toEqual([undefined, ROWS, `第${ROWS}号单位`]);
    expect(sheet.getColumn(1).width).toBe(22);
  });
});
