// The three printed documents, rendered by the real Chromium and read back with pdftotext.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSURANCE_NAMES } from '../../src/domain/fee-items';
import { BrowserPool, Renderer, escapeHtml, html, monthRange, paymentCertificateHtml, taxCertificateHtml, voucherHtml } from '../../src/render';
import * as fx from './fixtures';
import { cells, lineWith, pdfPages, pdfText } from './pdf-text';

let pool: BrowserPool;
let renderer: Renderer;

beforeAll(async () => {
  pool = new BrowserPool({ concurrency: 2 });
  renderer = new Renderer(pool);
  await pool.warmUp();
});

afterAll(async () => {
  await pool?.close();
});

function expectNoReprintMark(text: string) {
  expect(text).not.toContain('补打');
  expect(text).not.toContain('REPRINT');
}

describe('bank-side voucher (银行端查询缴税凭证, F-4.6)', () => {
  let text: string;
  let rendered: { pdf: Buffer; sha256: string };

  beforeAll(async () => {
    rendered = await renderer.voucher(fx.voucher());
    text = await pdfText(rendered.pdf);
  });

  it('is one A4 page of PDF whose sha256 is given with it', async () => {
    expect(rendered.pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(rendered.sha256).toBe(createHash('sha256').update(rendered.pdf).digest('hex'));
    expect(await pdfPages(rendered.pdf)).toBe(1);
  });

  it('prints the title, voucher number and issue date', () => {
    expect(lineWith(text, '银行端查询缴税凭证')).toBeTruthy();
    const meta = lineWith(text, '凭证序号');
    expect(meta).toContain('凭证序号：10015201260000123456');
    expect(meta).toContain('填开日期：2026-11-05');
  });

  it('prints the taxpayer, the tax office and the payer with the masked account as given', () => {
    expect(lineWith(text, '纳税人识别号')).toMatch(/纳税人识别号\s+915201146629566696\s+税务机关代码\s+15201020000/);
    expect(cells(lineWith(text, '纳税人名称'))).toEqual(['纳税人名称', fx.TAXPAYER_NAME]);
    expect(cells(lineWith(text, '税务机关名称'))).toEqual(['税务机关名称', fx.TAX_OFFICE]);
    expect(cells(lineWith(text, '缴款人名称'))).toEqual(['缴款人名称', fx.TAXPAYER_NAME]);
    expect(cells(lineWith(text, '开户银行'))).toEqual(['开户银行', '中国工商银行贵阳中华北路支行']);
    expect(lineWith(text, '缴款账号')).toMatch(/缴款账号\s+2402 \*{4} \*{4} 7788\s+限缴日期\s+2026-11-15/);
  });

  it('prints one row per collected item: insurance name, period, amount in yuan', () => {
    expect(lineWith(text, '征收项目')).toMatch(/序号\s+征收项目\s+所属时期\s+金额（元）/);
    fx.ITEMS.forEach((item, i) => {
      expect(cells(lineWith(text, item.name))).toEqual([String(i + 1), item.name, '2026-10', item.yuan]);
    });
  });

  it('prints the total in figures and in capitals', () => {
    expect(cells(lineWith(text, '金额合计（小写）'))).toEqual(['金额合计（小写）', `¥${fx.TOTAL_YUAN}`]);
    expect(lineWith(text, '金额合计（大写）').trim()).toBe(`金额合计（大写）：${fx.TOTAL_CAPITALS}`);
  });

  it('has stamp boxes for the payer and the bank clerk, and the payment deadline', () => {
    expect(lineWith(text, '缴款单位（人）（盖章）')).toContain('银行（盖章）');
    expect(lineWith(text, '银行经办人（章）')).toContain('经办人：');
    expect(lineWith(text, '请于限缴日期')).toContain('2026-11-15 前');
  });

  it('carries no reprint mark on a first print, and a clear one on a reprint (补打)', async () => {
    expectNoReprintMark(text);
    const reprint = await pdfText((await renderer.voucher(fx.voucher({ reprint: true }))).pdf);
    expect(lineWith(reprint, '补打')).toContain('补打 REPRINT');
    expect(lineWith(reprint, '凭证序号')).toContain('10015201260000123456');
  });

  it('writes round amounts with 整 and inner zeros with a single 零', async () => {
    const one = await pdfText(
      (await renderer.voucher(fx.voucher({ items: [{ insuranceType: 'work_injury', period: '2026-10', amountFen: 100000 }], totalFen: undefined }))).pdf,
    );
    expect(cells(lineWith(one, '工伤保险费'))).toEqual(['1', '工伤保险费', '2026-10', '1,000.00']);
    expect(lineWith(one, '金额合计（大写）')).toContain('壹仟元整');
    const two = await pdfText(
      (
        await renderer.voucher(
          fx.voucher({
            items: [
              { insuranceType: 'pension', period: '2026-09', amountFen: 6000000 },
              { insuranceType: 'pension', period: '2026-10', amountFen: 4001050 },
            ],
            totalFen: 10001050,
          }),
        )
      ).pdf,
    );
    expect(lineWith(two, '2026-09')).toContain('60,000.00');
    expect(lineWith(two, '2026-10')).toContain('40,010.50');
    expect(lineWith(two, '金额合计（小写）')).toContain('¥100,010.50');
    expect(lineWith(two, '金额合计（大写）')).toContain('壹拾万零壹拾元伍角');
  });
});

describe('tax payment certificate (税收完税证明, F-7)', () => {
  let text: string;

  beforeAll(async () => {
    const rendered = await renderer.taxCertificate(fx.taxCertificate());
    expect(await pdfPages(rendered.pdf)).toBe(1);
    text = await pdfText(rendered.pdf);
  });

  it('prints the header: title, No., issue date and tax office', () => {
    expect(lineWith(text, '中华人民共和国税收完税证明')).toBeTruthy();
    expect(lineWith(text, 'No.').trim()).toBe('No. 352026110500000789');
    const meta = lineWith(text, '填发日期');
    expect(meta).toContain('填发日期：2026-11-20');
    expect(meta).toContain(`税务机关：${fx.TAX_OFFICE}`);
  });

  it('prints the taxpayer ID and name', () => {
    expect(cells(lineWith(text, '纳税人识别号'))).toEqual(['纳税人识别号', fx.TAXPAYER_ID, '纳税人名称', fx.TAXPAYER_NAME]);
  });

  it('prints one row per kind and period: voucher, tax kind, item, period start–end, treasury date, amount', () => {
    expect(cells(lineWith(text, '原凭证号'))).toEqual(['原凭证号', '税种', '品目名称', '税款所属时期', '入(退)库日期', '实缴(退)金额']);
    for (const item of fx.ITEMS) {
      expect(cells(lineWith(text, item.name))).toEqual([
        '10015201260000123456',
        item.name,
        item.name,
        '2026-10-01至2026-10-31',
        '2026-11-12',
        item.yuan,
      ]);
    }
  });

  it('prints the total in capitals and in figures', () => {
    expect(cells(lineWith(text, '金额合计'))).toEqual(['金额合计', `（大写）${fx.TOTAL_CAPITALS}`, `¥${fx.TOTAL_YUAN}`]);
  });

  it('has the tax office seal box, the issuer, the remarks and the keep-safely notice', () => {
    const footer = lineWith(text, '税务机关（盖章）');
    expect(footer).toContain('填票人：电子税务局');
    expect(footer).toContain('备注：社会保险费 2026年10月');
    expect(lineWith(text, '妥善保管：')).toContain('请妥善保管');
  });

  it('marks a reprint (补打) and only a reprint', async () => {
    expectNoReprintMark(text);
    const reprint = await pdfText((await renderer.taxCertificate(fx.taxCertificate({ reprint: true }))).pdf);
    expect(lineWith(reprint, '补打').trim()).toBe('补打 REPRINT');
    expect(lineWith(reprint, 'No.')).toContain('352026110500000789');
  });

  it('prints a given tax kind and item name, and refunds as negative amounts', async () => {
    const { start, end } = monthRange('2026-02');
    const t = await pdfText(
      (
        await renderer.taxCertificate(
          fx.taxCertificate({
            rows: [
              {
                originalVoucherNumber: '10015201260000999999',
                insuranceType: 'pension',
                taxKind: '社会保险费',
                itemName: '基本养老保险（单位缴纳）',
                periodStart: start,
                periodEnd: end,
                paidIntoTreasuryDate: '2026-03-10',
                amountFen: 1234500,
              },
              {
                originalVoucherNumber: '10015201260000999998',
                insuranceType: 'pension',
                taxKind: '社会保险费',
                itemName: '基本养老保险（个人缴纳）',
                periodStart: start,
                periodEnd: end,
                paidIntoTreasuryDate: '2026-03-11',
                amountFen: -34500,
              },
            ],
            totalFen: 1200000,
          }),
        )
      ).pdf,
    );
    expect(cells(lineWith(t, '单位缴纳'))).toEqual(['10015201260000999999', '社会保险费', '基本养老保险（单位缴纳）', '2026-02-01至2026-02-28', '2026-03-10', '12,345.00']);
    expect(cells(lineWith(t, '个人缴纳'))).toEqual(['10015201260000999998', '社会保险费', '基本养老保险（个人缴纳）', '2026-02-01至2026-02-28', '2026-03-11', '-345.00']);
    expect(cells(lineWith(t, '金额合计'))).toEqual(['金额合计', '（大写）壹万贰仟元整', '¥12,000.00']);
  });
});

describe('social insurance payment certificate (社会保险费缴费证明, F-6)', () => {
  let text: string;

  beforeAll(async () => {
    const rendered = await renderer.paymentCertificate(fx.paymentCertificate());
    expect(await pdfPages(rendered.pdf)).toBe(1);
    text = await pdfText(rendered.pdf);
  });

  it('prints the title, number, issue date, unit and fee period range', () => {
    expect(lineWith(text, '社会保险费缴费证明').trim()).toBe('社会保险费缴费证明');
    expect(lineWith(text, '证明编号')).toMatch(/证明编号：JFZM2026110001\s+开具日期：2026-11-20/);
    expect(cells(lineWith(text, '单位编号'))).toEqual(['单位编号', '52010000123', '单位名称', fx.TAXPAYER_NAME]);
    expect(lineWith(text, '纳税人识别号')).toMatch(/费款所属期\s+2026-10 至 2026-10\s+纳税人识别号\s+915201146629566696/);
  });

  it('prints one row per insurance: base, employer part, employee part, due, paid, method, collection serial', () => {
    expect(cells(lineWith(text, '征集流水号'))).toEqual(['序号', '险种', '费款所属期', '缴费基数', '单位缴纳', '个人缴纳', '应缴金额', '实缴金额', '征收方式', '征集流水号']);
    const yuan = (fen: number) => (fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2 });
    fx.PAYMENT_ROWS.forEach((r, i) => {
      const due = yuan(r.employer + r.employee);
      expect(cells(lineWith(text, r.name))).toEqual([String(i + 1), r.name, '2026-10', '327,159.94', yuan(r.employer), yuan(r.employee), due, due, '税务征收', r.serial]);
    });
    expect(yuan(fx.PAYMENT_ROWS[0].employer)).toBe('34,897.06');
  });

  it('prints the totals and the paid total in capitals', () => {
    const totals = text.split('\n').filter((l) => cells(l)[0] === '合计');
    expect(totals.map(cells)).toEqual([['合计', '59,770.23', '24,309.01', fx.TOTAL_YUAN, fx.TOTAL_YUAN]]);
    expect(lineWith(text, '（大写）').trim()).toBe(`实缴金额合计（大写）：${fx.TOTAL_CAPITALS}`);
  });

  it('names the issuing office and carries no reprint mark', () => {
    expect(lineWith(text, '开具机关（盖章）')).toContain(fx.TAX_OFFICE);
    expectNoReprintMark(text);
  });

  it('prints the range on rows that cover it, and a partly paid row as due vs paid', async () => {
    const t = await pdfText(
      (
        await renderer.paymentCertificate(
          fx.paymentCertificate({
            certificateNumber: undefined,
            periodStart: '2026-09',
            periodEnd: '2026-10',
            rows: [
              { insuranceType: 'unemployment', baseFen: 65431988, employerFen: 123456, employeeFen: 123456, dueFen: 246912, paidFen: 200000, collectionSerial: 'ZJ1' },
            ],
            reprint: true,
          }),
        )
      ).pdf,
    );
    expect(cells(lineWith(t, '失业保险费'))).toEqual(['1', '失业保险费', '2026-09至2026-10', '654,319.88', '1,234.56', '1,234.56', '2,469.12', '2,000.00', '税务征收', 'ZJ1']);
    expect(lineWith(t, '（大写）')).toContain('贰仟元整');
    expect(t).not.toContain('证明编号');
    expect(lineWith(t, '补打')).toContain('补打 REPRINT');
  });
});

describe('escaping: every value is text, never markup', () => {
  const hostile = '<script>alert("x")</script>黔&灵';
  const bank = `<b>粗体</b> & 'q' <img src=x>`;

  it('escapes values in the HTML', () => {
    const out = voucherHtml(fx.voucher({ taxpayerName: hostile, payerBank: bank, voucherNumber: '</title><script>1</script>' }));
    expect(out).not.toMatch(/<script/i);
    expect(out).not.toContain('<b>');
    expect(out).not.toContain('<img src=x>');
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;黔&amp;灵');
    expect(out).toContain('&lt;/title&gt;&lt;script&gt;1&lt;/script&gt;');
    for (const doc of [
      taxCertificateHtml(fx.taxCertificate({ taxpayerName: hostile, issuer: hostile, remarks: hostile })),
      paymentCertificateHtml(fx.paymentCertificate({ unitName: hostile, issuedBy: hostile, remarks: hostile })),
    ]) {
      expect(doc).not.toMatch(/<script/i);
      expect(doc).toContain('&lt;script&gt;');
    }
  });

  it('renders a name containing <script> as visible text', async () => {
    const text = await pdfText((await renderer.voucher(fx.voucher({ taxpayerName: hostile, payerBank: bank }))).pdf);
    expect(cells(lineWith(text, '纳税人名称')).slice(1).join(' ')).toBe('<script>alert("x")</script>黔&灵');
    expect(lineWith(text, '开户银行')).toContain(`<b>粗体</b> & 'q' <img src=x>`);
    const cert = await pdfText((await renderer.taxCertificate(fx.taxCertificate({ taxpayerName: hostile }))).pdf);
    expect(lineWith(cert, '纳税人名称')).toContain(hostile);
  });

  it('html`` escapes strings and numbers, joins arrays and keeps only its own markup', () => {
    expect(escapeHtml(`<a href="x">'&'</a>` + '`')).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;&#96;');
    const inner = html`<i>${'<b>'}</i>`;
    expect(html`<p>${inner}${[1, '<', [html`<br>`]]}${undefined}${null}${false}</p>`.value).toBe('<p><i>&lt;b&gt;</i>1&lt;<br></p>');
  });
});

describe('document checks', () => {
  it('refuses a total that differs from the rows, and documents without rows', () => {
    expect(() => voucherHtml(fx.voucher({ totalFen: fx.TOTAL_FEN + 1 }))).toThrow(/differs from the sum/);
    expect(() => taxCertificateHtml(fx.taxCertificate({ totalFen: 1 }))).toThrow(/differs from the sum/);
    expect(() => voucherHtml(fx.voucher({ items: [], totalFen: undefined }))).toThrow(/at least one row/);
    expect(() => paymentCertificateHtml(fx.paymentCertificate({ rows: [] }))).toThrow(/at least one row/);
  });

  it('refuses amounts that are not whole fen and unknown insurance types', () => {
    expect(() => voucherHtml(fx.voucher({ items: [{ insuranceType: 'pension', period: '2026-10', amountFen: 12.5 }], totalFen: undefined }))).toThrow(RangeError);
    expect(() => voucherHtml(fx.voucher({ items: [{ insuranceType: 'dental' as never, period: '2026-10', amountFen: 1 }], totalFen: undefined }))).toThrow(/unknown insurance type/);
  });

  it('uses the standard insurance names', () => {
    const out = voucherHtml(fx.voucher());
    for (const name of Object.values(INSURANCE_NAMES)) expect(out).toContain(name);
  });

  it('monthRange gives the first and last day of a month', () => {
    expect(monthRange('2026-02')).toEqual({ start: '2026-02-01', end: '2026-02-28' });
    expect(monthRange('2028-02')).toEqual({ start: '2028-02-01', end: '2028-02-29' });
    expect(monthRange('2026-12')).toEqual({ start: '2026-12-01', end: '2026-12-31' });
    expect(() => monthRange('2026-13')).toThrow(/YYYY-MM/);
  });
});
