// Injected faults: which rule applies to a call, and how a "no answer" is held open.
import type { FastifyReply } from 'fastify';
import { FAULT_OPERATIONS, type FaultMode, type FaultOperation, type FaultRule } from './contract';
import type { Rng } from './generate';

export interface StoredFault {
  id: number;
  rule: FaultRule;
  remaining: number | null; // calls left; null = until cleared
}

/** Modes acted on around a whole HTTP call, before anything is applied. */
export const CALL_MODES = ['error', 'timeout', 'unknown_outcome', 'delay'] as const satisfies readonly FaultMode[];

/** Where each mode can take effect; a rule that could never fire is refused when added. */
const APPLICABLE: Record<FaultMode, readonly FaultOperation[]> = {
  error: FAULT_OPERATIONS,
  timeout: FAULT_OPERATIONS,
  unknown_outcome: FAULT_OPERATIONS,
  delay: FAULT_OPERATIONS,
  insufficient_balance: ['deduct'],
  account_frozen: ['deduct'],
  reject: ['declaration_result', 'void_result'],
};

export function faultCanApply(rule: FaultRule): boolean {
  return APPLICABLE[rule.mode].includes(rule.operation);
}

/**
 * The first rule for this operation among `modes` that fires on this call, counting down its
 * `times`; rules whose count ran out are removed. A rule with a `rate` fires with that
 * probability and is only counted when it fires.
 */
export function takeFault(
  faults: StoredFault[],
  operation: FaultOperation,
  modes: readonly FaultMode[],
  rng: Rng,
): FaultRule | undefined {
  const index = faults.findIndex(
    (f) => f.rule.operation === operation && modes.includes(f.rule.mode) && rng() < (f.rule.rate ?? 1),
  );
  const fault = faults[index];
  if (!fault) return undefined;
  if (fault.remaining !== null) {
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
  }
  return fault.rule;
}

/** How long a call that "times out" keeps its socket open when the client never gives up. */
const HOLD_MS = 60_000;

/**
 * Calls held open without an answer. Each ends when the client aborts, after HOLD_MS, or when
 * the server closes; then the socket is destroyed so the client sees no answer at all.
 */
export class HeldCalls {
  private readonly releases = new Set<() => void>();

  async hold(reply: FastifyReply): Promise<FastifyReply> {
    reply.hijack(); // Fastify must not answer on our behalf
    const socket = reply.raw.socket;
    // The client may have left already (e.g. during a delay): then there is nothing to hold.
    if (!socket || socket.destroyed) return reply;
    await new Promise<void>((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        reply.raw.off('close', release);
        this.releases.delete(release);
        resolve();
      };
      const timer = setTimeout(release, HOLD_MS);
      reply.raw.once('close', release);
      this.releases.add(release);
    });
    reply.raw.destroy();
    return reply;
  }

  /** Lets every held call end, so closing the server does not wait a minute. */
  releaseAll(): void {
    for (const release of [...this.releases]) release();
  }
}
