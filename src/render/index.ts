// PDF rendering of the printed documents: templates in, PDF bytes and their SHA-256 out.
import { createHash } from 'node:crypto';
import type { BrowserPool } from './browser';
import {
  paymentCertificateHtml,
  taxCertificateHtml,
  voucherHtml,
  type PaymentCertificateDocument,
  type TaxCertificateDocument,
  type VoucherDocument,
} from './templates';

export { BrowserPool, CHROMIUM_FLAGS, OFFLINE_FLAGS, resolveChromiumPath } from './browser';
export type { BrowserPoolLogger, BrowserPoolOptions, BrowserPoolStats, PdfOptions } from './browser';
export * from './templates';

export interface RenderedPdf {
  pdf: Buffer;
  /** Hex SHA-256 of `pdf`. Chromium stamps a creation time, so renders of the same document may differ. */
  sha256: string;
}

export class Renderer {
  constructor(private readonly pool: BrowserPool) {}

  /** 银行端查询缴税凭证 (F-4.6). */
  voucher(v: VoucherDocument): Promise<RenderedPdf> {
    return this.#render(voucherHtml(v));
  }

  /** 税收完税证明 (F-7), first print or reprint (补打). */
  taxCertificate(c: TaxCertificateDocument): Promise<RenderedPdf> {
    return this.#render(taxCertificateHtml(c));
  }

  /** 社会保险费缴费证明 (F-6). */
  paymentCertificate(c: PaymentCertificateDocument): Promise<RenderedPdf> {
    return this.#render(paymentCertificateHtml(c));
  }

  async #render(html: string): Promise<RenderedPdf> {
    const pdf = await this.pool.pdf(html);
    return { pdf, sha256: createHash('sha256').update(pdf).digest('hex') };
  }
}
