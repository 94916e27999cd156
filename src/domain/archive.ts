// The auditor's archive checked against the audit chain: each archived history must still hash
// to the SHA-256 the chain recorded when it was archived, every recorded one must still be
// there, and nothing may sit in the archive that the archiver did not record. And the other way
// round: every workflow our records say was started has its history in Temporal or the archive.

export type ArchiveProblem = 'changed' | 'missing' | 'unrecorded' | 'lost';

/** An archived history as stored: the hash kept next to it and the hash of its content now. */
export interface ArchivedHash {
  workflowId: string;
  runId: string;
  storedSha256: string;
  computedSha256: string;
}

/** What the audit chain recorded when the history was archived (entry `workflow.archived`). */
export interface RecordedHash {
  seq: number;
  workflowId: string;
  runId: string;
  sha256: string;
}

export interface ArchiveVerdict {
  intact: boolean;
  /** Archived histories whose content was hashed again. */
  checked: number;
  problems: { workflowId: string; runId: string | null; problem: ArchiveProblem; detail: string }[];
}

/** A workflow our records say was started: a declaration's, payment's, void's, batch's, webhook delivery's or certificate's. */
export interface StartedWorkflow {
  workflowId: string;
  subjectType: string;
  subjectId: string;
}

/**
 * The started workflows whose history is nowhere: not archived (the caller passes only those) and
 * not in Temporal. Deleted by hand, or by retention before the archiver came: either way the
 * record is left without the history an auditor would replay.
 */
export function lostHistories(unarchived: readonly StartedWorkflow[], inTemporal: ReadonlySet<string>): ArchiveVerdict['problems'] {
  return unarchived
    .filter((w) => !inTemporal.has(w.workflowId))
    .map((w) => ({
      workflowId: w.workflowId,
      runId: null,
      problem: 'lost' as const,
      detail: `${w.subjectType.replace('_', ' ')} ${w.subjectId} was started as this workflow; its history is neither in Temporal nor in the archive`,
    }));
}

const keyOf = (x: { workflowId: string; runId: string }) => `${x.workflowId}\u0000${x.runId}`;

export function checkArchive(archived: readonly ArchivedHash[], recorded: readonly RecordedHash[]): ArchiveVerdict {
  const byKey = new Map(archived.map((a) => [keyOf(a), a]));
  const recordedKeys = new Set<string>();
  const problems: ArchiveVerdict['problems'] = [];
  for (const r of recorded) {
    recordedKeys.add(keyOf(r));
    const a = byKey.get(keyOf(r));
    const where = { workflowId: r.workflowId, runId: r.runId };
    if (!a) {
      problems.push({ ...where, problem: 'missing', detail: `archived as audit entry ${r.seq}, no longer in the archive` });
    } else if (a.computedSha256 !== r.sha256) {
      problems.push({ ...where, problem: 'changed', detail: `the history hashes to ${a.computedSha256}, audit entry ${r.seq} recorded ${r.sha256}` });
    } else if (a.storedSha256 !== r.sha256) {
      problems.push({ ...where, problem: 'changed', detail: `its stored hash ${a.storedSha256} differs from audit entry ${r.seq} (${r.sha256})` });
    }
  }
  for (const a of archived) {
    if (!recordedKeys.has(keyOf(a))) {
      problems.push({ workflowId: a.workflowId, runId: a.runId, problem: 'unrecorded', detail: 'in the archive but never recorded in the audit chain' });
    }
  }
  return { intact: problems.length === 0, checked: archived.length, problems };
}
