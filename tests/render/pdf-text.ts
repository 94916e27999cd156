// Text of a PDF as poppler's `pdftotext -layout` sees it, and helpers to check it line by line.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function pdfText(pdf: Buffer): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sifee-render-test-'));
  try {
    const file = path.join(dir, 'doc.pdf');
    await writeFile(file, pdf);
    await run('pdftotext', ['-layout', '-enc', 'UTF-8', file, path.join(dir, 'doc.txt')]);
    return await readFile(path.join(dir, 'doc.txt'), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function pdfPages(pdf: Buffer): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sifee-render-test-'));
  try {
    const file = path.join(dir, 'doc.pdf');
    await writeFile(file, pdf);
    const { stdout } = await run('pdfinfo', [file]);
    return Number(/^Pages:\s+(\d+)/m.exec(stdout)?.[1]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The single line that holds `needle`; fails when none or several do. */
export function lineWith(text: string, needle: string): string {
  const lines = text.split('\n').filter((l) => l.includes(needle));
  if (lines.length !== 1) throw new Error(`expected exactly one line with ${JSON.stringify(needle)}, found ${lines.length}:\n${text}`);
  return lines[0] as string;
}

/** The words of a line (pdftotext separates table cells by runs of spaces). */
export function cells(line: string): string[] {
  return line.trim().split(/\s+/);
}
