-- A completed batch keeps its progress (issue 16): GET /api/declaration-batches read it instead of
-- counting each batch's 10,000 entries with their declarations on every request. Written when the
-- batch completes, and again when a declaration of it is decided after that (result_unknown, then
-- accepted or rejected); a batch without it is counted live.
ALTER TABLE "declaration_batches" ADD COLUMN "final_counts" jsonb;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "declaration_batch_entries_declaration_idx" ON "declaration_batch_entries" USING btree ("declaration_id");--> statement-breakpoint
-- The batches completed before: counted here as countBatch (src/domain/batch.ts) counts.
UPDATE "declaration_batches" b SET "final_counts" = c.counts
FROM (
  SELECT e.batch_id, jsonb_build_object(
    'total', count(*),
    'pending', count(*) FILTER (WHERE e.status IN ('pending', 'declaring')),
    'declaring', count(*) FILTER (WHERE e.status = 'declaring'),
    'done', count(*) FILTER (WHERE e.status = 'done'),
    'skipped', count(*) FILTER (WHERE e.status = 'skipped'),
    'failed', count(*) FILTER (WHERE e.status = 'failed'),
    'accepted', count(*) FILTER (WHERE e.status = 'done' AND coalesce(d.status, '') NOT IN ('rejected', 'result_unknown')),
    'rejected', count(*) FILTER (WHERE e.status = 'done' AND d.status = 'rejected'),
    'resultUnknown', count(*) FILTER (WHERE e.status = 'done' AND d.status = 'result_unknown')
  ) AS counts
  FROM "declaration_batch_entries" e
  LEFT JOIN "declarations" d ON d.id = e.declaration_id
  GROUP BY e.batch_id
) c
WHERE b.id = c.batch_id AND b.status = 'completed';
