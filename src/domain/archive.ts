// The auditor's archive checked against the audit chain: each archived history must still hash
// to the SHA-256 the chain recorded when it was archived, every recorded one must still be
// there, and nothing may sit in the archive that the archiver did not record.

export type ArchiveProblem = 'changed' | 'missing' | 'unrecorded';

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
  problems: { workflowId: string; runId: string; problem: ArchiveProblem; detail: string }[];
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
