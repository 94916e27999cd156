CREATE TABLE "workflow_archive" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"run_id" text NOT NULL,
	"workflow_type" text NOT NULL,
	"status" text NOT NULL,
	"task_queue" text NOT NULL,
	"employer_id" text,
	"period" text,
	"business_status" text,
	"start_time" timestamp with time zone NOT NULL,
	"close_time" timestamp with time zone NOT NULL,
	"history_length" integer NOT NULL,
	"history" text NOT NULL,
	"sha256" text NOT NULL,
	"bytes" integer NOT NULL,
	"archived_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_archive_run_uq" ON "workflow_archive" USING btree ("workflow_id","run_id");--> statement-breakpoint
CREATE INDEX "workflow_archive_close_idx" ON "workflow_archive" USING btree ("close_time");--> statement-breakpoint
CREATE TABLE "archive_checkpoints" (
	"task_queue" text PRIMARY KEY NOT NULL,
	"closed_after" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reconciliations" (
	"date" date PRIMARY KEY NOT NULL,
	"result" jsonb NOT NULL,
	"discrepancies" integer NOT NULL,
	"ran_by" text NOT NULL,
	"ran_at" timestamp with time zone DEFAULT now() NOT NULL
);
