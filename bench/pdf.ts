// (b) Certificate PDFs per second through our Renderer (the worker's BrowserPool: template,
// render, SHA-256), against Chromium's own page.pdf on the same HTML with one reused page;
// and the p95 latency of one of our renders.
import puppeteer from 'puppeteer-core';
import { BrowserPool, CHROMIUM_FLAGS, OFFLINE_FLAGS, Renderer, paymentCertificateHtml, resolveChromiumPath } from '../src/render';
import { paymentCertificate } from '../tests/render/fixtures';
import { log, percentile, pool, round, type BenchEnv, type BenchResult } from './env';

const N = Number(process.env.BENCH_PDFS ?? 60);
const WARM = 5;

function documents(n: number) {
  return Array.from({ length: n }, (_, i) => paymentCertificate({ certificateNumber: `BENCH${String(i).padStart(8, '0')}` }));
}

export async function benchPdf(_env: BenchEnv): Promise<BenchResult> {
  const docs = documents(N + WARM);

  // Ours, as the worker runs it: one browser, the pool's default concurrency.
  const browsers = new BrowserPool();
  const renderer = new Renderer(browsers);
  const ours = async (concurrency: number) => {
    const latencies: number[] = [];
    await pool(WARM, concurrency, (i) => renderer.paymentCertificate(docs[i]!).then(() => undefined));
    const ms = await pool(N, concurrency, async (i) => {
      const t = performance.now();
      await renderer.paymentCertificate(docs[WARM + i]!);
      latencies.push(performance.now() - t);
    });
    return { perSecond: (N / ms) * 1000, p95: percentile(latencies, 95), p50: percentile(latencies, 50) };
  };
  log(`pdf: ${N} certificates through the Renderer (pool concurrency ${browsers.concurrency})`);
  const pooled = await ours(browsers.concurrency);
  const sequential = await ours(1);
  await browsers.close();

  // Chromium alone: the same HTML, one page reused, setContent + page.pdf with the same options.
  const browser = await puppeteer.launch({ executablePath: resolveChromiumPath(), headless: true, pipe: true, args: [...CHROMIUM_FLAGS, ...OFFLINE_FLAGS] });
  const page = await browser.newPage();
  const html = docs.map((d) => paymentCertificateHtml(d));
  const raw = async (i: number) => {
    await page.setContent(html[i]!, { waitUntil: 'load' });
    await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  };
  for (let i = 0; i < WARM; i++) await raw(i);
  const latencies: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await raw(WARM + i);
    latencies.push(performance.now() - t);
  }
  const baseline = (N / (performance.now() - t0)) * 1000;
  await browser.close();

  const ratio = pooled.perSecond / baseline;
  log(`pdf: ours ${pooled.perSecond.toFixed(1)}/s (p95 ${pooled.p95.toFixed(0)} ms), sequential ${sequential.perSecond.toFixed(1)}/s, Chromium alone ${baseline.toFixed(1)}/s`);
  return {
    name: '(b) certificate PDFs',
    measure: 'PDFs per second; p95 latency',
    ours: `${pooled.perSecond.toFixed(1)}/s, p95 ${pooled.p95.toFixed(0)} ms`,
    baseline: `${baseline.toFixed(1)}/s, p95 ${percentile(latencies, 95).toFixed(0)} ms (page.pdf, one reused page)`,
    ratio: round(ratio),
    target: '≥ 0.8×',
    met: ratio >= 0.8,
    details: [
      `${N} 社会保险费缴费证明 (five insurance rows) each way after ${WARM} warm-up renders; ours through Renderer.paymentCertificate (HTML template, BrowserPool, SHA-256) with the pool's default concurrency (${2}), as the worker prints.`,
      `Ours one at a time: ${sequential.perSecond.toFixed(1)}/s (${round(sequential.perSecond / baseline)}×), p50 ${sequential.p50.toFixed(0)} ms, p95 ${sequential.p95.toFixed(0)} ms; pooled p50 ${pooled.p50.toFixed(0)} ms.`,
      `Chromium alone: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms.`,
    ],
  };
}
