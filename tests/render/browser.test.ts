// The browser pool: no network, page reuse, bounded concurrency, and surviving a killed browser.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool, resolveChromiumPath } from '../../src/render';
import { pdfPages, pdfText } from './pdf-text';

const run = promisify(execFile);

let pool: BrowserPool;
const warnings: string[] = [];

beforeAll(async () => {
  pool = new BrowserPool({ concurrency: 2, logger: { warn: (_obj, msg) => warnings.push(msg) } });
  await pool.warmUp();
});

afterAll(async () => {
  await pool?.close();
});

const doc = (marker: string, rows = 1) =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{font-family:"Noto Sans CJK SC",sans-serif}</style></head><body>` +
  `<h1>${marker}</h1>` +
  Array.from({ length: rows }, (_, i) => `<p>第${i + 1}行 缴费证明 ${marker}</p>`).join('') +
  `</body></html>`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('rendering', () => {
  it('renders HTML to an A4 PDF with Chinese text', async () => {
    const pdf = await pool.pdf(doc('社会保险费'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await pdfText(pdf)).toContain('社会保险费');
    const dir = await mkdtemp(path.join(tmpdir(), 'sifee-render-test-'));
    try {
      await writeFile(path.join(dir, 'a.pdf'), pdf);
      const { stdout } = await run('pdfinfo', [path.join(dir, 'a.pdf')]);
      expect(stdout).toMatch(/Page size:\s+59\d(\.\d+)? x 84\d(\.\d+)? pts \(A4\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reuses its pages', async () => {
    await pool.pdf(doc('warm'));
    const before = pool.stats().pagesOpened;
    for (let i = 0; i < 4; i++) await pool.pdf(doc(`again ${i}`));
    expect(pool.stats().pagesOpened).toBe(before);
    expect(pool.stats().idlePages).toBeGreaterThanOrEqual(1);
  });

  it('loads nothing from the network and opens no connection; data: URLs still work', async () => {
    const hits: string[] = [];
    let connections = 0;
    const server: Server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('body{color:red}');
    });
    server.on('connection', (socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;
    const png1x1 =
      'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
    try {
      const html =
        `<!DOCTYPE html><html><head><link rel="stylesheet" href="${base}/style.css">` +
        `<link rel="preconnect" href="${base}"><link rel="dns-prefetch" href="http://localhost:${port}">` +
        `<link rel="prefetch" href="${base}/prefetch"><link rel="icon" href="${base}/favicon.ico">` +
        `<style>@import url("${base}/import.css"); body { background: url("${base}/bg.png"); }` +
        `@font-face { font-family: X; src: url("${base}/font.woff2"); } p { font-family: X; }</style>` +
        `<script src="${base}/script.js"></script></head><body><p>离线 offline</p>` +
        `<img src="${base}/img.png"><img src="http://localhost:${port}/img2.png"><img src="${png1x1}" width="40" height="40">` +
        `<iframe src="${base}/frame.html"></iframe><object data="${base}/object"></object>` +
        `<script>fetch("${base}/fetch")</script></body></html>`;
      const pdf = await pool.pdf(html);
      expect(await pdfText(pdf)).toContain('离线 offline');
      await new Promise((r) => setTimeout(r, 200));
      expect(hits).toEqual([]);
      expect(connections).toBe(0);
      const dir = await mkdtemp(path.join(tmpdir(), 'sifee-render-test-'));
      try {
        await writeFile(path.join(dir, 'a.pdf'), pdf);
        const { stdout } = await run('pdfimages', ['-list', path.join(dir, 'a.pdf')]);
        expect(stdout.trim().split('\n').length).toBeGreaterThanOrEqual(3); // header, rule, the data: image
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('runs no script of the document', async () => {
    const text = await pdfText(await pool.pdf(`<html><body><p id="p">静态</p><script>document.getElementById('p').textContent = 'SCRIPT RAN'</script></body></html>`));
    expect(text).toContain('静态');
    expect(text).not.toContain('SCRIPT RAN');
  });

  it('fails a render on its own errors without retrying, and stays usable', async () => {
    const launches = pool.launches;
    const big = doc('大', 20_000);
    await expect(pool.pdf(big, { timeoutMs: 1 })).rejects.toThrow(/timeout|timed out/i);
    expect(pool.launches).toBe(launches);
    expect(await pdfText(await pool.pdf(doc('之后')))).toContain('之后');
  });
});

describe('bounded concurrency', () => {
  it('runs at most `concurrency` renders at once and finishes all the others', async () => {
    let maxActive = 0;
    const sampler = setInterval(() => (maxActive = Math.max(maxActive, pool.stats().active)), 2);
    try {
      const renders = Array.from({ length: 6 }, (_, i) => pool.pdf(doc(`并发 ${i}`, 200)));
      expect(pool.stats()).toMatchObject({ active: 2, queued: 4 });
      const pdfs = await Promise.all(renders);
      const texts = await Promise.all(pdfs.map(pdfText));
      texts.forEach((t, i) => expect(t).toContain(`并发 ${i}`));
    } finally {
      clearInterval(sampler);
    }
    expect(maxActive).toBe(2);
    expect(pool.stats()).toMatchObject({ active: 0, queued: 0 });
    expect(pool.stats().idlePages).toBeLessThanOrEqual(2);
  });

  it('a pool of one serialises two renders and both finish', async () => {
    const one = new BrowserPool({ concurrency: 1 });
    try {
      const both = [one.pdf(doc('甲')), one.pdf(doc('乙'))];
      expect(one.stats()).toMatchObject({ active: 1, queued: 1 });
      const [a, b] = await Promise.all(both);
      expect(await pdfText(a!)).toContain('甲');
      expect(await pdfText(b!)).toContain('乙');
      expect(one.stats().pagesOpened).toBe(1);
    } finally {
      await one.close();
    }
  });

  it('refuses a concurrency that is not a positive integer', () => {
    expect(() => new BrowserPool({ concurrency: 0 })).toThrow(RangeError);
    expect(() => new BrowserPool({ concurrency: 1.5 })).toThrow(RangeError);
  });
});

describe('a browser that dies', () => {
  it('is replaced when killed between two renders; the second render succeeds', async () => {
    expect(await pdfText(await pool.pdf(doc('第一次')))).toContain('第一次');
    const { pid, launches, profileDir } = pool.stats();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    expect(await pdfText(await pool.pdf(doc('第二次')))).toContain('第二次');
    expect(pool.launches).toBe(launches + 1);
    expect(pool.pid).not.toBe(pid);
    expect(alive(pool.pid!)).toBe(true);
    expect(await until(() => !alive(pid!))).toBe(true);
    expect(await until(() => !existsSync(profileDir!))).toBe(true);
  });

  it('is replaced when killed in the middle of a render, which is retried once and succeeds', async () => {
    const { pid, launches } = pool.stats();
    warnings.length = 0;
    const render = pool.pdf(doc('中途', 5_000));
    await new Promise((r) => setTimeout(r, 60));
    expect(pool.stats().active).toBe(1);
    process.kill(pid!, 'SIGKILL');
    const text = await pdfText(await render);
    expect(text).toContain('第5000行 缴费证明 中途');
    expect(pool.launches).toBe(launches + 1);
    expect(warnings.some((w) => w.includes('retrying once'))).toBe(true);
  });

  it('takes every queued and running render over to the new browser', async () => {
    const { pid, launches } = pool.stats();
    const renders = Array.from({ length: 4 }, (_, i) => pool.pdf(doc(`排队 ${i}`, 300)));
    process.kill(pid!, 'SIGKILL');
    const texts = await Promise.all((await Promise.all(renders)).map(pdfText));
    texts.forEach((t, i) => expect(t).toContain(`排队 ${i}`));
    expect(pool.launches).toBe(launches + 1);
  });
});

describe('closing', () => {
  it('stops the browser, removes its profile and refuses renders after', async () => {
    const own = new BrowserPool({ concurrency: 1 });
    const pid = await own.warmUp();
    const { profileDir } = own.stats();
    expect(existsSync(profileDir!)).toBe(true);
    await own.close();
    expect(await until(() => !alive(pid!))).toBe(true);
    expect(existsSync(profileDir!)).toBe(false);
    expect(own.stats()).toMatchObject({ closed: true, pid: undefined });
    await expect(own.pdf(doc('x'))).rejects.toThrow(/closed/);
    await own.close();
  });

  it('closes cleanly before ever starting a browser', async () => {
    const own = new BrowserPool();
    await own.close();
    expect(own.launches).toBe(0);
  });
});

describe('finding Chromium', () => {
  it('prefers PUPPETEER_EXECUTABLE_PATH, then /usr/bin/chromium', () => {
    expect(resolveChromiumPath({ PUPPETEER_EXECUTABLE_PATH: '/usr/lib/chromium/chromium' })).toBe('/usr/lib/chromium/chromium');
    expect(resolveChromiumPath({})).toBe('/usr/bin/chromium');
  });

  it('says clearly when the configured path is not a browser', () => {
    expect(() => resolveChromiumPath({ PUPPETEER_EXECUTABLE_PATH: '/nonexistent/chrome' })).toThrow(/PUPPETEER_EXECUTABLE_PATH.*\/nonexistent\/chrome.*not an executable/);
  });

  it('fails a render with a clear error when the browser cannot start', async () => {
    const broken = new BrowserPool({ executablePath: '/bin/false', launchTimeoutMs: 5_000 });
    try {
      await expect(broken.pdf(doc('x'))).rejects.toThrow(/could not start Chromium \(\/bin\/false\)/);
    } finally {
      await broken.close();
    }
  });
});

it('pdf pages helper reads page counts', async () => {
  expect(await pdfPages(await pool.pdf(doc('多页', 200)))).toBeGreaterThan(1);
});
