-- Declaration schedules (issue 13) and the attention list's indexes: each kind of item is found
-- through a partial index on the state that puts it on the list, so the list stays fast however
-- many settled records there are.
CREATE TABLE "declaration_schedules" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"employer_ids" jsonb,
	"day_of_month" integer NOT NULL,
	"time" text NOT NULL,
	"period" text NOT NULL,
	"temporal_schedule_id" text NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"note" text,
	"sync_version" integer DEFAULT 1 NOT NULL,
	"synced_version" integer DEFAULT 0 NOT NULL,
	"last_sync_error" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "declaration_schedules_temporal_schedule_id_unique" UNIQUE("temporal_schedule_id")
);
--> statement-breakpoint
CREATE INDEX "declaration_schedules_unsynced_idx" ON "declaration_schedules" USING btree ("id") WHERE "sync_version" > "synced_version";--> statement-breakpoint
CREATE TABLE "declaration_schedule_runs" (
	"schedule_id" text NOT NULL,
	"scheduled_at" timestamp with time zone NOT NULL,
	"trigger" text NOT NULL,
	"period" text NOT NULL,
	"status" text NOT NULL,
	"batch_id" text,
	"error_code" text,
	"error" text,
	"triggered_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "declaration_schedule_runs_schedule_id_scheduled_at_pk" PRIMARY KEY("schedule_id","scheduled_at")
);
--> statement-breakpoint
ALTER TABLE "declaration_schedule_runs" ADD CONSTRAINT "declaration_schedule_runs_schedule_id_declaration_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."declaration_schedules"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "declaration_schedule_runs" ADD CONSTRAINT "declaration_schedule_runs_batch_id_declaration_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."declaration_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attention_payments_awaiting_retry_idx" ON "payments" USING btree ("deadline") WHERE "status" = 'awaiting_retry';--> statement-breakpoint
CREATE INDEX "attention_payments_failed_idx" ON "payments" USING btree ("updated_at") WHERE "status" = 'failed';--> statement-breakpoint
CREATE INDEX "attention_declarations_rejected_idx" ON "declarations" USING btree ("decided_at") WHERE "status" = 'rejected';--> statement-breakpoint
CREATE INDEX "attention_declarations_result_unknown_idx" ON "declarations" USING btree ("declared_at") WHERE "status" = 'result_unknown';--> statement-breakpoint
CREATE INDEX "attention_declaration_lines_unpaid_idx" ON "declaration_lines" USING btree ("valid_until") WHERE "paid_fen" < "amount_fen" AND "holds_item";--> statement-breakpoint
CREATE INDEX "attention_vouchers_issued_idx" ON "vouchers" USING btree ("deadline") WHERE "status" = 'issued';--> statement-breakpoint
CREATE INDEX "attention_vouchers_print_failed_idx" ON "vouchers" USING btree ("updated_at") WHERE "status" = 'issued' AND "last_print_error" IS NOT NULL;
