-- Bulk actions from the month view (issue 30): a period's payments or certificate prints for many
-- employers, each employer an entry with its outcome.
CREATE TABLE IF NOT EXISTS "bulk_actions" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"period" text NOT NULL,
	"status" text NOT NULL,
	"total" integer NOT NULL,
	"workflow_id" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "bulk_actions_created_idx" ON "bulk_actions" USING btree ("created_at","id");--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "bulk_action_entries" (
	"bulk_id" text NOT NULL REFERENCES "bulk_actions"("id") ON DELETE cascade,
	"n" integer NOT NULL,
	"employer_id" text NOT NULL REFERENCES "employers"("id"),
	"status" text DEFAULT 'pending' NOT NULL,
	"subject_id" text,
	"reason_code" text,
	"reason" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bulk_action_entries_bulk_id_n_pk" PRIMARY KEY("bulk_id","n")
);--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "bulk_action_entries_employer_uq" ON "bulk_action_entries" USING btree ("bulk_id","employer_id");--> statement-breakpoint
-- The month view counts a period's certificates per employer.
CREATE INDEX IF NOT EXISTS "certificates_period_idx" ON "certificates" USING btree ("period","employer_id");
