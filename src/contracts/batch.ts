// The batch declaration workflow (批量申报): its input, what a run carries to the next, its result,
// and its progress query.
import { defineQuery } from '@temporalio/workflow';
import type { DeclarationTiming } from '../config';

/** What a run carries over to the next one: where it stands and how many ended how. */
export interface BatchCarry {
  cursor: number;
  run: number;
  done: number;
  accepted: number;
  rejected: number;
  resultUnknown: number;
  skipped: number;
  failed: number;
}

export interface BatchDeclarationInput {
  batchId: string;
  period: string;
  total: number; // employers in the batch; each one's id is in its database entry
  concurrency: number; // employers being prepared at once
  continueAsNewEvery: number;
  timing: DeclarationTiming; // for each declaration's own wait (F-2.6)
  carry?: BatchCarry; // set by continue-as-new
}

export interface BatchDeclarationResult extends BatchCarry {
  batchId: string;
  total: number;
}

/** 批量申报: where a batch declaration stands, as its workflow knows it. */
export interface BatchProgressView {
  batchId: string;
  status: 'running' | 'completed';
  period: string;
  total: number;
  cursor: number; // employers before this place were taken up by earlier runs
  run: number; // 1 for the first run, +1 at each continue-as-new
  inFlight: number[]; // places of the employers being prepared now
  declaring: number; // declarations started and waiting for their result, as last counted
  done: number; // declarations whose workflow ended
  accepted: number;
  rejected: number;
  resultUnknown: number;
  skipped: number;
  failed: number;
  pending: number; // not finished yet
}

export const batchProgressQuery = defineQuery<BatchProgressView>('batchProgress');
