// One headless Chromium per process, turning HTML into PDF. Pages are reused, renders are
// bounded, and a browser that crashed or was killed is replaced without failing the request.
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';

/** The flags that work on these machines (DESIGN.md, Chromium). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Belt and braces for "no network": request interception refuses every load that is not
 * data: or about:, but Chromium still opens TCP connections on its own (preconnects, iframe
 * navigations). Resolving every host to "not found" stops those before any socket opens.
 */
export const OFFLINE_FLAGS: readonly string[] = ['--host-resolver-rules=MAP * ~NOTFOUND'];

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where Chromium is: `PUPPETEER_EXECUTABLE_PATH`, then Debian's `/usr/bin/chromium`, then a
 * browser puppeteer downloaded into its cache. A path set explicitly but not executable is an
 * error, not something to silently step over.
 */
export function resolveChromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PUPPETEER_EXECUTABLE_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`PUPPETEER_EXECUTABLE_PATH is set to ${fromEnv}, which is not an executable file`);
  }
  if (isExecutable(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  let own: string | undefined;
  try {
    own = puppeteer.executablePath();
  } catch {
    own = undefined;
  }
  if (own && isExecutable(own)) return own;
  throw new Error(
    `no Chromium found: set PUPPETEER_EXECUTABLE_PATH, or install Debian's chromium (${DEBIAN_CHROMIUM})` +
      (own ? `; puppeteer's own browser (${own}) is not installed` : ''),
  );
}

export interface BrowserPoolLogger {
  warn(obj: object, msg: string): void;
}

export interface BrowserPoolOptions {
  /** Renders at once, and pages kept open for reuse. Default 2. */
  concurrency?: number;
  /** Overrides {@link resolveChromiumPath}. */
  executablePath?: string;
  /** Flags added after {@link CHROMIUM_FLAGS} and {@link OFFLINE_FLAGS}. */
  extraArgs?: readonly string[];
  /** Default 30 s. */
  launchTimeoutMs?: number;
  /** Default timeout of one render (load + print). Default 30 s. */
  renderTimeoutMs?: number;
  logger?: BrowserPoolLogger;
}

export interface PdfOptions {
  /** Used when the document's CSS does not set `@page { size }`. */
  landscape?: boolean;
  timeoutMs?: number;
}

export interface BrowserPoolStats {
  pid: number | undefined;
  /** Browsers started so far; a replaced browser counts again. */
  launches: number;
  /** Pages opened so far (reused pages count once). */
  pagesOpened: number;
  idlePages: number;
  /** The running browser's temporary profile (--user-data-dir), removed when it stops. */
  profileDir: string | undefined;
  /** Renders running now (never more than the concurrency). */
  active: number;
  /** Renders waiting for a slot. */
  queued: number;
  closed: boolean;
}

interface Instance {
  browser: Browser;
  pid: number | undefined;
  userDataDir: string;
  idle: Page[];
  dead: boolean;
  /** Set once the browser is being stopped; settles when it is gone and its profile removed. */
  retired?: Promise<void>;
}

class Semaphore {
  #free: number;
  readonly size: number;
  readonly #waiters: (() => void)[] = [];
  constructor(size: number) {
    this.size = size;
    this.#free = size;
  }
  get inUse(): number {
    return this.size - this.#free;
  }
  get waiting(): number {
    return this.#waiters.length;
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#free++;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Only the document itself: every request that is not data: or about: is refused. */
function allowOnlyInline(request: HTTPRequest): void {
  if (request.isInterceptResolutionHandled()) return;
  const url = request.url();
  if (url.startsWith('data:') || url.startsWith('about:')) void request.continue().catch(() => {});
  else void request.abort('blockedbyclient').catch(() => {});
}

const crashedPages = new WeakSet<Page>();

export class BrowserPool {
  readonly concurrency: number;
  readonly #executablePath: string | undefined;
  readonly #args: readonly string[];
  readonly #launchTimeoutMs: number;
  readonly #renderTimeoutMs: number;
  readonly #logger: BrowserPoolLogger | undefined;
  readonly #slots: Semaphore;
  #current: Instance | undefined;
  #launching: Promise<Instance> | undefined;
  readonly #instances = new Set<Instance>();
  #launches = 0;
  #pagesOpened = 0;
  #closed = false;
  readonly #onExit = () => this.#killAllSync();

  constructor(options: BrowserPoolOptions = {}) {
    const concurrency = options.concurrency ?? 2;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    this.concurrency = concurrency;
    this.#executablePath = options.executablePath;
    this.#args = [...CHROMIUM_FLAGS, ...OFFLINE_FLAGS, ...(options.extraArgs ?? [])];
    this.#launchTimeoutMs = options.launchTimeoutMs ?? 30_000;
    this.#renderTimeoutMs = options.renderTimeoutMs ?? 30_000;
    this.#logger = options.logger;
    this.#slots = new Semaphore(concurrency);
    process.once('exit', this.#onExit);
  }

  /** The pid of the running browser's process, if one runs. */
  get pid(): number | undefined {
    const current = this.#current;
    return current && !current.dead ? current.pid : undefined;
  }

  /** How many browsers this pool has started (a replaced browser counts again). */
  get launches(): number {
    return this.#launches;
  }

  /** A snapshot for tests and health endpoints. */
  stats(): BrowserPoolStats {
    const current = this.#current;
    return {
      pid: this.pid,
      launches: this.#launches,
      pagesOpened: this.#pagesOpened,
      idlePages: current && !current.dead ? current.idle.length : 0,
      profileDir: current && !current.dead ? current.userDataDir : undefined,
      active: this.#slots.inUse,
      queued: this.#slots.waiting,
      closed: this.#closed,
    };
  }

  /** Starts the browser now rather than at the first render; returns its pid. */
  async warmUp(): Promise<number | undefined> {
    this.#assertOpen();
    return (await this.#instance()).pid;
  }

  /** Renders a whole HTML document to an A4 PDF. No network: only data: and about: load. */
  async pdf(html: string, opts: PdfOptions = {}): Promise<Buffer> {
    this.#assertOpen();
    await this.#slots.acquire();
    try {
      this.#assertOpen();
      const instance = await this.#instance();
      try {
        return await this.#renderOn(instance, html, opts);
      } catch (err) {
        if (this.#closed || !(await this.#lostBrowserOrPage(instance, err))) throw err;
        this.#logger?.warn({ err, pid: instance.pid }, 'PDF render failed because the browser or its page died; retrying once on a fresh one');
        return await this.#renderOn(await this.#instance(), html, opts);
      }
    } finally {
      this.#slots.release();
    }
  }

  /** Closes the browser and removes its profile. Renders after this are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    process.removeListener('exit', this.#onExit);
    await this.#launching?.catch(() => undefined);
    await Promise.all([...this.#instances].map((instance) => this.#retire(instance, true)));
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('BrowserPool is closed');
  }

  async #renderOn(instance: Instance, html: string, opts: PdfOptions): Promise<Buffer> {
    const page = await this.#takePage(instance);
    let reusable = false;
    try {
      const timeout = opts.timeoutMs ?? this.#renderTimeoutMs;
      await page.setContent(html, { waitUntil: 'load', timeout });
      const bytes = await page.pdf({
        format: 'A4',
        landscape: opts.landscape ?? false,
        printBackground: true,
        preferCSSPageSize: true,
        timeout,
      });
      reusable = true;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } finally {
      this.#givePage(instance, page, reusable);
    }
  }

  /** After a failed render: was the browser or the page lost (then a second try makes sense)? */
  async #lostBrowserOrPage(instance: Instance, err: unknown): Promise<boolean> {
    if (instance.dead) return true;
    if (!(await this.#healthy(instance))) {
      await this.#retire(instance, false);
      return true;
    }
    const message = err instanceof Error ? err.message : String(err);
    return /Target closed|Session closed|crashed|detached/i.test(message);
  }

  async #healthy(instance: Instance): Promise<boolean> {
    const proc = instance.browser.process();
    if (instance.dead || !instance.browser.connected) return false;
    if (proc && (proc.exitCode !== null || proc.signalCode !== null)) return false;
    try {
      await withTimeout(instance.browser.version(), 5_000, 'browser health check');
      return true;
    } catch {
      return false;
    }
  }

  async #instance(): Promise<Instance> {
    const current = this.#current;
    if (current && !current.dead && current.browser.connected) return current;
    if (current) void this.#retire(current, false);
    this.#launching ??= this.#launch().finally(() => {
      this.#launching = undefined;
    });
    return this.#launching;
  }

  async #launch(): Promise<Instance> {
    const executablePath = this.#executablePath ?? resolveChromiumPath();
    const userDataDir = await mkdtemp(path.join(tmpdir(), 'sifee-chromium-'));
    let browser: Browser;
    try {
      browser = await puppeteer.launch({
        executablePath,
        headless: true,
        pipe: true,
        args: [...this.#args, `--user-data-dir=${userDataDir}`],
        timeout: this.#launchTimeoutMs,
        protocolTimeout: Math.max(60_000, this.#renderTimeoutMs * 2),
        // The pool kills its browser on exit itself (and removes the profile).
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
    } catch (err) {
      await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
      throw new Error(`could not start Chromium (${executablePath}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    this.#launches++;
    const instance: Instance = { browser, pid: browser.process()?.pid, userDataDir, idle: [], dead: false };
    this.#instances.add(instance);
    browser.once('disconnected', () => {
      if (!instance.dead && !this.#closed) this.#logger?.warn({ pid: instance.pid }, 'Chromium disconnected; it will be replaced at the next render');
      void this.#retire(instance, false);
    });
    if (this.#closed) {
      await this.#retire(instance, true);
      throw new Error('BrowserPool is closed');
    }
    this.#current = instance;
    return instance;
  }

  async #takePage(instance: Instance): Promise<Page> {
    for (let page = instance.idle.pop(); page; page = instance.idle.pop()) {
      if (!page.isClosed() && !crashedPages.has(page)) return page;
    }
    const page = await instance.browser.newPage();
    this.#pagesOpened++;
    try {
      page.on('error', () => crashedPages.add(page)); // the renderer crashed
      page.on('request', allowOnlyInline);
      await page.setRequestInterception(true);
      await page.setJavaScriptEnabled(false);
      return page;
    } catch (err) {
      // A page without interception is never used.
      void page.close().catch(() => undefined);
      throw err;
    }
  }

  #givePage(instance: Instance, page: Page, reusable: boolean): void {
    if (reusable && !instance.dead && !page.isClosed() && !crashedPages.has(page) && instance.idle.length < this.concurrency) {
      instance.idle.push(page);
      return;
    }
    if (!page.isClosed()) void page.close().catch(() => undefined);
  }

  /** Stops a browser (gracefully if asked and possible) and removes its profile; once. */
  #retire(instance: Instance, graceful: boolean): Promise<void> {
    instance.dead = true;
    instance.idle.length = 0;
    if (this.#current === instance) this.#current = undefined;
    instance.retired ??= this.#stop(instance, graceful);
    return instance.retired;
  }

  async #stop(instance: Instance, graceful: boolean): Promise<void> {
    const proc = instance.browser.process();
    if (graceful && instance.browser.connected) {
      await withTimeout(instance.browser.close(), 5_000, 'browser close').catch(() => undefined);
    }
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await withTimeout(exited, 5_000, 'browser exit').catch(() => undefined);
    }
    if (instance.browser.connected) await instance.browser.disconnect().catch(() => undefined);
    await rm(instance.userDataDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    this.#instances.delete(instance);
  }

  /** On process exit: no browser or profile outlives the process. */
  #killAllSync(): void {
    for (const instance of this.#instances) {
      const proc = instance.browser.process();
      if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      try {
        rmSync(instance.userDataDir, { recursive: true, force: true });
      } catch {
        // best effort while exiting
      }
    }
  }
}
