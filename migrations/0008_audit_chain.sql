-- The audit chain off the hot path: entries are inserted unchained (no lock); one chainer at a
-- time gives each committed entry the next chain position and its hash. The chain's order is
-- chain_pos (the order entries were chained in), not seq.
ALTER TABLE "audit_log" ALTER COLUMN "prev_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "chain_pos" bigint;--> statement-breakpoint
-- Entries so far were chained under a lock in seq order: their positions follow seq.
UPDATE "audit_log" SET "chain_pos" = r.pos FROM (SELECT "seq", row_number() OVER (ORDER BY "seq") AS pos FROM "audit_log") r WHERE "audit_log"."seq" = r."seq";--> statement-breakpoint
-- Both partial: a writer's insert touches only the second, the chainer's update only the first.
CREATE UNIQUE INDEX "audit_log_chain_pos_uq" ON "audit_log" USING btree ("chain_pos") WHERE "chain_pos" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_log_unchained_idx" ON "audit_log" USING btree ("seq") WHERE "chain_pos" IS NULL;
