// HTML for the printed documents: the bank-side voucher (F-4.6), the social insurance payment
// certificate (F-6) and the tax payment certificate (F-7). Every value goes through `html`,
// which escapes it; only markup built by `html` itself is inserted as is.
import { type InsuranceType, INSURANCE_NAMES } from '../domain/fee-items';
import { type Fen, formatYuanGrouped, sumFen, toChineseCapitals } from '../domain/money';

// ---------------------------------------------------------------------------------------------
// Documents. Money is integer fen; dates are strings printed as given (YYYY-MM-DD expected).

/** One collected item (征收项目) on a bank-side voucher. */
export interface VoucherItem {
  insuranceType: InsuranceType;
  /** Printed instead of the insurance's standard name (INSURANCE_NAMES) when given. */
  itemName?: string | undefined;
  /** 所属时期, e.g. 2026-10. */
  period: string;
  amountFen: Fen;
}

/** 银行端查询缴税凭证 (F-4.6). */
export interface VoucherDocument {
  voucherNumber: string; // 凭证序号 (the declaration serial)
  issueDate: string; // 填开日期
  taxpayerId: string; // 纳税人识别号
  taxpayerName: string; // 纳税人名称
  taxOfficeCode: string; // 税务机关代码
  taxOfficeName: string; // 税务机关名称
  payerName: string; // 缴款人名称
  payerBank: string; // 开户银行
  /** 缴款账号, already masked by the caller: printed exactly as given. */
  payerAccount: string;
  items: readonly VoucherItem[];
  /** When given it must equal the sum of the items (a guard against a wrong caller). */
  totalFen?: Fen | undefined;
  deadline: string; // 限缴日期
  reprint?: boolean | undefined; // 补打
  remarks?: string | undefined;
}

/** One row of a tax payment certificate: one kind, item and period each. */
export interface TaxCertificateRow {
  originalVoucherNumber: string; // 原凭证号
  insuranceType: InsuranceType;
  /** 税种; default: the insurance's name. Use '社会保险费' where the office prints it so. */
  taxKind?: string | undefined;
  /** 品目名称; default: the insurance's name. */
  itemName?: string | undefined;
  periodStart: string; // 税款所属时期 start, e.g. 2026-10-01
  periodEnd: string; // … end, e.g. 2026-10-31
  paidIntoTreasuryDate: string; // 入(退)库日期
  amountFen: Fen; // 实缴(退)金额
}

/** 中华人民共和国税收完税证明, table form (F-7). */
export interface TaxCertificateDocument {
  certificateNumber: string; // No. (证明号码)
  issueDate: string; // 填发日期
  taxOfficeName: string; // 税务机关
  taxpayerId: string;
  taxpayerName: string;
  rows: readonly TaxCertificateRow[];
  totalFen?: Fen | undefined; // checked against the rows when given
  issuer: string; // 填票人
  remarks?: string | undefined; // 备注
  reprint?: boolean | undefined; // 补打
}

/** One row of a payment certificate: one insurance type (for one period, or the whole range). */
export interface PaymentCertificateRow {
  insuranceType: InsuranceType;
  /** 费款所属期 of this row; default: the certificate's range. */
  period?: string | undefined;
  baseFen: Fen; // 缴费基数
  employerFen: Fen; // 单位缴纳
  employeeFen: Fen; // 个人缴纳
  dueFen: Fen; // 应缴金额
  paidFen: Fen; // 实缴金额
  collectionSerial: string; // 征集流水号
  /** 征收方式; default 税务征收. */
  collectionMethod?: string | undefined;
}

/** 社会保险费缴费证明 (F-6). */
export interface PaymentCertificateDocument {
  certificateNumber?: string | undefined; // 证明编号
  unitNumber: string; // 单位编号
  unitName: string; // 单位名称
  taxpayerId?: string | undefined;
  periodStart: string; // 费款所属期 from, YYYY-MM
  periodEnd: string; // … to
  rows: readonly PaymentCertificateRow[];
  issueDate: string; // 开具日期
  issuedBy?: string | undefined; // 开具机关, e.g. the tax office
  remarks?: string | undefined;
  reprint?: boolean | undefined;
}

// ---------------------------------------------------------------------------------------------
// Escaping.

/** Markup that is already safe; only `html` makes it. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text made safe for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string);
}

type Interpolation = SafeHtml | string | number | null | undefined | false | readonly Interpolation[];

function interpolate(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(interpolate).join('');
  return escapeHtml(String(value));
}

/** Template tag: every interpolated value is escaped unless it is SafeHtml made by this tag. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] as string;
  values.forEach((value, i) => {
    out += interpolate(value) + (strings[i + 1] as string);
  });
  return new SafeHtml(out);
}

// ---------------------------------------------------------------------------------------------
// Shared pieces.

/** The printed (Chinese) name of an insurance type; an unknown type is an error, not a blank. */
export function insuranceName(type: InsuranceType): string {
  const name = (INSURANCE_NAMES as Record<string, string | undefined>)[type];
  if (!name) throw new RangeError(`unknown insurance type: ${String(type)}`);
  return name;
}

/** First and last day of a month: '2026-02' → { start: '2026-02-01', end: '2026-02-28' }. */
export function monthRange(period: string): { start: string; end: string } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (!m) throw new RangeError(`a period is YYYY-MM, got ${period}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { start: `${period}-01`, end: `${period}-${String(lastDay).padStart(2, '0')}` };
}

function checkedTotal(amounts: readonly Fen[], given: Fen | undefined, what: string): Fen {
  if (amounts.length === 0) throw new RangeError(`a ${what} needs at least one row`);
  const total = sumFen(amounts);
  if (given !== undefined && given !== total) {
    throw new RangeError(`${what}: totalFen ${given} differs from the sum of the rows ${total}`);
  }
  return total;
}

const yuan = (fen: Fen): string => formatYuanGrouped(fen);

const FONT_STACK = '"Noto Serif CJK SC", "Noto Sans CJK SC", serif';

function page(title: string, orientation: 'portrait' | 'landscape', extraCss: string, body: SafeHtml): string {
  return html`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>${title}</title>
<style>${new SafeHtml(baseCss(orientation) + extraCss)}</style>
</head>
<body>
${body}
</body>
</html>
`.value;
}

function baseCss(orientation: 'portrait' | 'landscape'): string {
  return `
@page { size: A4 ${orientation}; margin: 12mm 12mm 14mm 12mm; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font-family: ${FONT_STACK}; font-size: 10.5pt; color: #000; line-height: 1.35; }
.doc { position: relative; }
h1 { text-align: center; font-size: 19pt; font-weight: bold; margin: 0 0 1mm 0; }
.subtitle { text-align: center; font-size: 10pt; margin: 0 0 3mm 0; }
.meta { display: flex; justify-content: space-between; margin: 2mm 0; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 0.7pt solid #000; padding: 1.6mm 2mm; vertical-align: middle; }
th { font-weight: normal; background: #eef1f5; text-align: center; }
td.label { background: #f6f7f9; white-space: nowrap; width: 1%; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.center { text-align: center; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
tr.total td { font-weight: bold; }
.capitals { letter-spacing: 0; }
.reprint { position: absolute; top: 0; right: 0; border: 2pt solid #c00000; color: #c00000; font-size: 15pt;
  font-weight: bold; padding: 1mm 4mm; border-radius: 2mm; }
.stamps { display: flex; gap: 6mm; margin-top: 5mm; }
.stamp { flex: 1; border: 0.7pt solid #000; height: 34mm; padding: 2mm; position: relative; }
.stamp .caption { font-size: 10pt; }
.stamp .sign { position: absolute; bottom: 2mm; left: 2mm; right: 2mm; font-size: 10pt; }
.notice { margin-top: 4mm; font-size: 9.5pt; }
`;
}

function reprintMark(reprint: boolean | undefined): SafeHtml {
  return reprint ? html`<div class="reprint">补打 REPRINT</div>` : html``;
}

// ---------------------------------------------------------------------------------------------
// 银行端查询缴税凭证

export function voucherHtml(v: VoucherDocument): string {
  const total = checkedTotal(
    v.items.map((i) => i.amountFen),
    v.totalFen,
    'voucher',
  );
  const rows = v.items.map(
    (item, i) => html`<tr>
  <td class="center">${i + 1}</td>
  <td>${item.itemName ?? insuranceName(item.insuranceType)}</td>
  <td class="center">${item.period}</td>
  <td class="num">${yuan(item.amountFen)}</td>
</tr>`,
  );
  const body = html`<div class="doc voucher">
${reprintMark(v.reprint)}
<h1>银行端查询缴税凭证</h1>
<div class="meta"><span>凭证序号：${v.voucherNumber}</span><span>填开日期：${v.issueDate}</span></div>
<table class="parties">
  <tr><td class="label">纳税人识别号</td><td class="nowrap">${v.taxpayerId}</td><td class="label">税务机关代码</td><td class="nowrap">${v.taxOfficeCode}</td></tr>
  <tr><td class="label">纳税人名称</td><td colspan="3">${v.taxpayerName}</td></tr>
  <tr><td class="label">税务机关名称</td><td colspan="3">${v.taxOfficeName}</td></tr>
  <tr><td class="label">缴款人名称</td><td colspan="3">${v.payerName}</td></tr>
  <tr><td class="label">开户银行</td><td colspan="3">${v.payerBank}</td></tr>
  <tr><td class="label">缴款账号</td><td class="nowrap">${v.payerAccount}</td><td class="label">限缴日期</td><td class="nowrap">${v.deadline}</td></tr>
</table>
<table class="items" style="margin-top: 3mm">
  <tr><th style="width: 10%">序号</th><th>征收项目</th><th style="width: 18%">所属时期</th><th class="num" style="width: 24%">金额（元）</th></tr>
  ${rows}
  <tr class="total"><td colspan="3">金额合计（小写）</td><td class="num">¥${yuan(total)}</td></tr>
  <tr class="total"><td colspan="4">金额合计（大写）：<span class="capitals">${toChineseCapitals(total)}</span></td></tr>
</table>
${v.remarks ? html`<div class="notice">备注：${v.remarks}</div>` : html``}
<div class="stamps">
  <div class="stamp"><div class="caption">缴款单位（人）（盖章）</div><div class="sign">经办人：</div></div>
  <div class="stamp"><div class="caption">银行（盖章）</div><div class="sign">银行经办人（章）：</div></div>
</div>
<div class="notice">请于限缴日期 ${v.deadline} 前持本凭证到银行柜台缴款；逾期未缴，本凭证作废。本凭证仅限未缴款前作废。</div>
</div>`;
  return page(`银行端查询缴税凭证 ${v.voucherNumber}`, 'portrait', '', body);
}

// ---------------------------------------------------------------------------------------------
// 中华人民共和国税收完税证明（表格式）

export function taxCertificateHtml(c: TaxCertificateDocument): string {
  const total = checkedTotal(
    c.rows.map((r) => r.amountFen),
    c.totalFen,
    'tax certificate',
  );
  const rows = c.rows.map(
    (r) => html`<tr>
  <td class="nowrap">${r.originalVoucherNumber}</td>
  <td>${r.taxKind ?? insuranceName(r.insuranceType)}</td>
  <td>${r.itemName ?? insuranceName(r.insuranceType)}</td>
  <td class="center">${r.periodStart}至${r.periodEnd}</td>
  <td class="center">${r.paidIntoTreasuryDate}</td>
  <td class="num">${yuan(r.amountFen)}</td>
</tr>`,
  );
  const css = `
.tax .no { text-align: right; margin: 0 0 1mm 0; }
.tax .footer td { height: 30mm; vertical-align: top; }
`;
  const body = html`<div class="doc tax">
${reprintMark(c.reprint)}
<h1>中华人民共和国税收完税证明</h1>
<div class="subtitle">（表格式）</div>
<div class="no">No. ${c.certificateNumber}</div>
<div class="meta"><span>填发日期：${c.issueDate}</span><span>税务机关：${c.taxOfficeName}</span></div>
<table class="parties">
  <tr><td class="label">纳税人识别号</td><td class="nowrap">${c.taxpayerId}</td><td class="label">纳税人名称</td><td>${c.taxpayerName}</td></tr>
</table>
<table class="rows" style="margin-top: -0.7pt">
  <tr><th>原凭证号</th><th>税种</th><th>品目名称</th><th>税款所属时期</th><th>入(退)库日期</th><th class="num">实缴(退)金额</th></tr>
  ${rows}
  <tr class="total"><td>金额合计</td><td colspan="4">（大写）${toChineseCapitals(total)}</td><td class="num">¥${yuan(total)}</td></tr>
</table>
<table class="footer" style="margin-top: -0.7pt">
  <tr>
    <td style="width: 30%">税务机关（盖章）</td>
    <td style="width: 25%">填票人：${c.issuer}</td>
    <td>备注：${c.remarks ?? ''}</td>
  </tr>
</table>
<div class="notice">妥善保管：本证明为纳税人已缴纳社会保险费的凭证，请妥善保管；手写无效，涂改无效。</div>
</div>`;
  return page(`税收完税证明 ${c.certificateNumber}`, 'landscape', css, body);
}

// ---------------------------------------------------------------------------------------------
// 社会保险费缴费证明

export function paymentCertificateHtml(c: PaymentCertificateDocument): string {
  const paidTotal = checkedTotal(
    c.rows.map((r) => r.paidFen),
    undefined,
    'payment certificate',
  );
  const employerTotal = sumFen(c.rows.map((r) => r.employerFen));
  const employeeTotal = sumFen(c.rows.map((r) => r.employeeFen));
  const dueTotal = sumFen(c.rows.map((r) => r.dueFen));
  const range = c.periodStart === c.periodEnd ? c.periodStart : `${c.periodStart}至${c.periodEnd}`;
  const rows = c.rows.map(
    (r, i) => html`<tr>
  <td class="center">${i + 1}</td>
  <td>${insuranceName(r.insuranceType)}</td>
  <td class="center">${r.period ?? range}</td>
  <td class="num">${yuan(r.baseFen)}</td>
  <td class="num">${yuan(r.employerFen)}</td>
  <td class="num">${yuan(r.employeeFen)}</td>
  <td class="num">${yuan(r.dueFen)}</td>
  <td class="num">${yuan(r.paidFen)}</td>
  <td class="center">${r.collectionMethod ?? '税务征收'}</td>
  <td class="nowrap">${r.collectionSerial}</td>
</tr>`,
  );
  const body = html`<div class="doc payment">
${reprintMark(c.reprint)}
<h1>社会保险费缴费证明</h1>
<div class="meta"><span>${c.certificateNumber ? html`证明编号：${c.certificateNumber}` : html``}</span><span>开具日期：${c.issueDate}</span></div>
<table class="parties">
  <tr><td class="label">单位编号</td><td class="nowrap">${c.unitNumber}</td><td class="label">单位名称</td><td>${c.unitName}</td></tr>
  <tr>
    <td class="label">费款所属期</td><td class="nowrap">${c.periodStart} 至 ${c.periodEnd}</td>
    <td class="label">纳税人识别号</td><td class="nowrap">${c.taxpayerId ?? ''}</td>
  </tr>
</table>
<table class="rows" style="margin-top: 3mm">
  <tr>
    <th>序号</th><th>险种</th><th>费款所属期</th><th class="num">缴费基数</th><th class="num">单位缴纳</th><th class="num">个人缴纳</th>
    <th class="num">应缴金额</th><th class="num">实缴金额</th><th>征收方式</th><th>征集流水号</th>
  </tr>
  ${rows}
  <tr class="total">
    <td colspan="4">合计</td><td class="num">${yuan(employerTotal)}</td><td class="num">${yuan(employeeTotal)}</td>
    <td class="num">${yuan(dueTotal)}</td><td class="num">${yuan(paidTotal)}</td><td colspan="2"></td>
  </tr>
  <tr class="total"><td colspan="10">实缴金额合计（大写）：${toChineseCapitals(paidTotal)}</td></tr>
</table>
<div class="notice">金额单位：元。${c.remarks ? html`备注：${c.remarks}` : html``}</div>
<div class="stamps">
  <div class="stamp"><div class="caption">开具机关（盖章）${c.issuedBy ? html`：${c.issuedBy}` : html``}</div><div class="sign">开具日期：${c.issueDate}</div></div>
</div>
</div>`;
  const css = `
.payment .stamps { justify-content: flex-end; }
.payment .stamp { flex: 0 0 45%; }
`;
  return page(`社会保险费缴费证明 ${c.unitNumber}`, 'landscape', css, body);
}
