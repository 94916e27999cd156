CREATE TABLE "declaration_batch_entries" (
	"batch_id" text NOT NULL,
	"n" integer NOT NULL,
	"employer_id" text NOT NULL,
	"status" text NOT NULL,
	"declaration_id" text,
	"reason_code" text,
	"reason" text,
	"excluded" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "declaration_batch_entries_batch_id_n_pk" PRIMARY KEY("batch_id","n")
);
--> statement-breakpoint
CREATE TABLE "declaration_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"period" text NOT NULL,
	"status" text NOT NULL,
	"total" integer NOT NULL,
	"all_employers" boolean NOT NULL,
	"concurrency" integer NOT NULL,
	"workflow_id" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "declaration_batch_entries" ADD CONSTRAINT "declaration_batch_entries_batch_id_declaration_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."declaration_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "declaration_batch_entries" ADD CONSTRAINT "declaration_batch_entries_employer_id_employers_id_fk" FOREIGN KEY ("employer_id") REFERENCES "public"."employers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "declaration_batch_entries_employer_uq" ON "declaration_batch_entries" USING btree ("batch_id","employer_id");--> statement-breakpoint
CREATE INDEX "declaration_batches_created_idx" ON "declaration_batches" USING btree ("created_at");