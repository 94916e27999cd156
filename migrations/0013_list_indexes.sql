-- Lists that hold at 10,000 employers and a year of their records: each list pages by keyset on
-- (sort timestamp, id), and each filter it offers has an index ending in that key, so a page is
-- an index range read whatever the page's depth.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
-- GET /api/employers?q=: a part of the name, taxpayer ID or unit number (the expression of db/employers.ts).
CREATE INDEX IF NOT EXISTS "employers_search_trgm_idx" ON "employers" USING gin (lower("name" || ' ' || "taxpayer_id" || ' ' || "unit_number") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "employers_created_idx" ON "employers" USING btree ("created_at", "id");--> statement-breakpoint
DROP INDEX IF EXISTS "declarations_employer_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "declarations_employer_idx" ON "declarations" USING btree ("employer_id", "declared_at", "id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "declarations_status_idx" ON "declarations" USING btree ("status", "declared_at", "id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "declarations_declared_idx" ON "declarations" USING btree ("declared_at", "id");--> statement-breakpoint
-- The pay-now prompt asks whether any accepted declaration is unpaid: few are, among many.
CREATE INDEX IF NOT EXISTS "declarations_unpaid_idx" ON "declarations" USING btree ("employer_id") WHERE "status" = 'accepted' AND "payment_status" IN ('unpaid', 'partially_paid');--> statement-breakpoint
DROP INDEX IF EXISTS "payments_employer_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "payments_employer_idx" ON "payments" USING btree ("employer_id", "created_at", "id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "payments_status_idx" ON "payments" USING btree ("status", "created_at", "id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "payments_created_idx" ON "payments" USING btree ("created_at", "id");--> statement-breakpoint
-- A payment's details are read by payment id for a whole page at once.
CREATE INDEX IF NOT EXISTS "vouchers_payment_idx" ON "vouchers" USING btree ("payment_id");--> statement-breakpoint
DROP INDEX IF EXISTS "declaration_batches_created_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "declaration_batches_created_idx" ON "declaration_batches" USING btree ("created_at", "id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "certificates_employer_idx" ON "certificates" USING btree ("employer_id", "created_at", "id");
