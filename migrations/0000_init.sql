CREATE TABLE "audit_log" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"subject" text NOT NULL,
	"detail" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "certificates" (
	"id" text PRIMARY KEY NOT NULL,
	"employer_id" text NOT NULL,
	"kind" text NOT NULL,
	"period" text NOT NULL,
	"certificate_number" text,
	"issue_date" date NOT NULL,
	"reprint_of" text,
	"pdf_path" text NOT NULL,
	"pdf_sha256" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "declaration_lines" (
	"id" text PRIMARY KEY NOT NULL,
	"declaration_id" text NOT NULL,
	"item_id" text NOT NULL,
	"unit_number" text NOT NULL,
	"insurance_type" text NOT NULL,
	"agency" text NOT NULL,
	"period" text NOT NULL,
	"headcount" integer NOT NULL,
	"base_fen" bigint NOT NULL,
	"employer_fen" bigint NOT NULL,
	"employee_fen" bigint NOT NULL,
	"amount_fen" bigint NOT NULL,
	"collection_order" text NOT NULL,
	"paid_fen" bigint DEFAULT 0 NOT NULL,
	"holds_item" boolean DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE TABLE "declarations" (
	"id" text PRIMARY KEY NOT NULL,
	"employer_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"payment_status" text DEFAULT 'unpaid' NOT NULL,
	"total_fen" bigint NOT NULL,
	"workflow_id" text NOT NULL,
	"serial" text,
	"result_reason" text,
	"declared_by" text NOT NULL,
	"declared_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "employers" (
	"id" text PRIMARY KEY NOT NULL,
	"taxpayer_id" text NOT NULL,
	"unit_number" text NOT NULL,
	"name" text NOT NULL,
	"tax_office_code" text NOT NULL,
	"tax_office_name" text NOT NULL,
	"password_change_required" boolean DEFAULT true NOT NULL,
	"signed_in_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "employers_taxpayer_id_unique" UNIQUE("taxpayer_id")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"actor" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer,
	"body" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_actor_key_pk" PRIMARY KEY("actor","key")
);
--> statement-breakpoint
CREATE TABLE "payment_attempts" (
	"payment_id" text NOT NULL,
	"n" integer NOT NULL,
	"deduction_key" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"outcome" text NOT NULL,
	"code" text,
	"reason" text,
	CONSTRAINT "payment_attempts_payment_id_n_pk" PRIMARY KEY("payment_id","n"),
	CONSTRAINT "payment_attempts_deduction_key_unique" UNIQUE("deduction_key")
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" text PRIMARY KEY NOT NULL,
	"employer_id" text NOT NULL,
	"method" text NOT NULL,
	"status" text NOT NULL,
	"total_fen" bigint NOT NULL,
	"line_ids" jsonb NOT NULL,
	"agreement_id" text,
	"account_masked" text,
	"workflow_id" text NOT NULL,
	"next_retry_at" timestamp with time zone,
	"reason" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vouchers" (
	"id" text PRIMARY KEY NOT NULL,
	"payment_id" text NOT NULL,
	"employer_id" text NOT NULL,
	"voucher_number" text NOT NULL,
	"status" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"deadline" date NOT NULL,
	"pdf_path" text,
	"pdf_sha256" text,
	"print_count" integer DEFAULT 0 NOT NULL,
	"last_print_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vouchers_voucher_number_unique" UNIQUE("voucher_number")
);
--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_employer_id_employers_id_fk" FOREIGN KEY ("employer_id") REFERENCES "public"."employers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "declaration_lines" ADD CONSTRAINT "declaration_lines_declaration_id_declarations_id_fk" FOREIGN KEY ("declaration_id") REFERENCES "public"."declarations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "declarations" ADD CONSTRAINT "declarations_employer_id_employers_id_fk" FOREIGN KEY ("employer_id") REFERENCES "public"."employers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_attempts" ADD CONSTRAINT "payment_attempts_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_employer_id_employers_id_fk" FOREIGN KEY ("employer_id") REFERENCES "public"."employers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vouchers" ADD CONSTRAINT "vouchers_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vouchers" ADD CONSTRAINT "vouchers_employer_id_employers_id_fk" FOREIGN KEY ("employer_id") REFERENCES "public"."employers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_first_tax_print_uq" ON "certificates" USING btree ("employer_id","period") WHERE "certificates"."kind" = 'tax' and "certificates"."reprint_of" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "declaration_lines_item_held_uq" ON "declaration_lines" USING btree ("item_id") WHERE "declaration_lines"."holds_item";--> statement-breakpoint
CREATE INDEX "declaration_lines_declaration_idx" ON "declaration_lines" USING btree ("declaration_id");--> statement-breakpoint
CREATE INDEX "declarations_employer_idx" ON "declarations" USING btree ("employer_id","declared_at");--> statement-breakpoint
CREATE INDEX "payments_employer_idx" ON "payments" USING btree ("employer_id","created_at");