// Every audit action the code writes is a webhook event or deliberately internal, and every event
// is one the code writes. The sources are parsed for the actions they write (string literals and
// templates given to an `action`), so an action added later cannot be forgotten in the list.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { CertificateKind } from '../../src/domain/certificates';
import { ATTEMPT_OUTCOMES, FINAL_PAYMENT_STATES, VOUCHER_STATES } from '../../src/domain/payment';
import { INTERNAL_AUDIT_ACTIONS, WEBHOOK_EVENTS, deliverable } from '../../src/domain/webhook-events';

const SRC = path.resolve('src');
const ACTION_NAME = /^[a-z_]+(\.[a-z_]+)+$/;
const ACTION_TEMPLATE = /^[a-z_]+\./;

const CERTIFICATE_KINDS: readonly CertificateKind[] = ['payment', 'tax'];

/** What each action template of the code can write; a template missing here fails the test. */
const TEMPLATES: Record<string, readonly string[]> = {
  'declaration_schedule.${action}': ['deleted', 'paused', 'unpaused'].map((a) => `declaration_schedule.${a}`),
  // `done` is not written: the declaration's own events say how it ended.
  'declaration_batch.employer_${outcome.status}': ['skipped', 'failed'].map((s) => `declaration_batch.employer_${s}`),
  'bulk_action.entry_${outcome.status}': ['skipped', 'failed'].map((s) => `bulk_action.entry_${s}`),
  'declaration.${result.status}': ['accepted', 'rejected'].map((s) => `declaration.${s}`),
  'declaration.${status}': ['voided', 'void_rejected'].map((s) => `declaration.${s}`),
  // setPaymentState and finishPayment; voucher_issued, a voucher payment's first state, is payment.started.
  'payment.${state}': ['deducting', 'awaiting_retry', ...FINAL_PAYMENT_STATES].map((s) => `payment.${s}`),
  'deduction.${a.outcome}': ATTEMPT_OUTCOMES.map((o) => `deduction.${o}`),
  // issued is insertVoucher's own literal.
  'voucher.${f.status}': VOUCHER_STATES.filter((s) => s !== 'issued').map((s) => `voucher.${s}`),
  "certificate.${c.kind}.${c.reprintOf ? 'reprinted' : 'printed'}": CERTIFICATE_KINDS.flatMap((k) => [`certificate.${k}.printed`, `certificate.${k}.reprinted`]),
};

interface Found {
  where: string;
  text: string;
}

/**
 * The action names and templates the sources write: in the value of every `action` property or
 * `action` / `…_ACTION` variable (ternaries included), string literals named `<resource>.<what>`
 * and templates that begin with `<resource>.`.
 */
function writtenActions(): { names: Found[]; templates: Found[] } {
  const names: Found[] = [];
  const templates: Found[] = [];
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(path.join(SRC, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node) => `src/${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const collect = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
        if (ACTION_NAME.test(node.text)) names.push({ where: where(node), text: node.text });
      } else if (ts.isTemplateExpression(node) && ACTION_TEMPLATE.test(node.head.text)) {
        templates.push({ where: where(node), text: node.getText().slice(1, -1) });
        return;
      }
      ts.forEachChild(node, collect);
    };
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && node.name.getText() === 'action') collect(node.initializer);
      else if (ts.isVariableDeclaration(node) && node.initializer && /^(action|\w+_ACTION)$/.test(node.name.getText())) collect(node.initializer);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { names, templates };
}

describe('the audit actions the code writes', () => {
  const { names, templates } = writtenActions();
  const unknownTemplates = templates.filter((t) => !(t.text in TEMPLATES));
  const written = new Set([...names.map((n) => n.text), ...templates.flatMap((t) => TEMPLATES[t.text] ?? [])]);
  const events = new Set<string>(WEBHOOK_EVENTS);
  const internal = new Set<string>(INTERNAL_AUDIT_ACTIONS);

  it('are found by the scan, literals and templates (the scan itself works)', () => {
    expect(names.map((n) => n.text)).toEqual(expect.arrayContaining(['declaration.submitted', 'voucher.reprinted', 'declaration_schedule.run_failed', 'workflow.archived']));
    expect(unknownTemplates, 'an action template: add what it can write to TEMPLATES').toEqual([]);
    expect(Object.keys(TEMPLATES).filter((t) => !templates.some((f) => f.text === t)), 'TEMPLATES names a template the code no longer has').toEqual([]);
  });

  it('are each a webhook event or an internal action', () => {
    const unlisted = [...names.map((n) => ({ ...n, actions: [n.text] })), ...templates.map((t) => ({ ...t, actions: TEMPLATES[t.text] ?? [] }))]
      .flatMap((f) => f.actions.filter((a) => !events.has(a) && !internal.has(a)).map((a) => `${a} (${f.where})`));
    expect(unlisted, 'add it to WEBHOOK_EVENT_DESCRIPTIONS, or to INTERNAL_AUDIT_ACTIONS if no receiver should hear it').toEqual([]);
  });

  it('include every webhook event and internal action (none is listed that is never written)', () => {
    expect([...events, ...internal].filter((a) => !written.has(a))).toEqual([]);
  });

  it('are delivered when they are events, never when internal', () => {
    expect(WEBHOOK_EVENTS.filter((e) => !deliverable(e))).toEqual([]);
    expect(INTERNAL_AUDIT_ACTIONS.filter((a) => deliverable(a))).toEqual([]);
  });
});
