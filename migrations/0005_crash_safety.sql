-- Crash safety (issue 11): idempotency keys held by a lease, a durable record of every workflow
-- start (the outbox the reconciler finishes), and activities that keep failing.
ALTER TABLE "idempotency_keys" ADD COLUMN "locked_until" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE TABLE "workflow_starts" (
	"workflow_id" text PRIMARY KEY NOT NULL,
	"workflow_type" text NOT NULL,
	"task_queue" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"request_ref" text,
	"args" jsonb NOT NULL,
	"search_attributes" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"start_attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_starts_request_uq" ON "workflow_starts" USING btree ("request_ref");--> statement-breakpoint
CREATE INDEX "workflow_starts_pending_idx" ON "workflow_starts" USING btree ("created_at") WHERE "started_at" is null;--> statement-breakpoint
CREATE INDEX "workflow_starts_subject_idx" ON "workflow_starts" USING btree ("subject_id");--> statement-breakpoint
CREATE TABLE "activity_failures" (
	"workflow_id" text NOT NULL,
	"activity_id" text NOT NULL,
	"activity_type" text NOT NULL,
	"attempt" integer NOT NULL,
	"last_error" text NOT NULL,
	"final" boolean DEFAULT false NOT NULL,
	"failed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "activity_failures_workflow_id_activity_id_pk" PRIMARY KEY("workflow_id","activity_id")
);
--> statement-breakpoint
CREATE INDEX "activity_failures_failed_at_idx" ON "activity_failures" USING btree ("failed_at");
