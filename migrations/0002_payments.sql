CREATE TABLE "payment_lines" (
	"payment_id" text NOT NULL,
	"line_id" text NOT NULL,
	"item_id" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"open" boolean DEFAULT true NOT NULL,
	CONSTRAINT "payment_lines_payment_id_line_id_pk" PRIMARY KEY("payment_id","line_id")
);
--> statement-breakpoint
-- Lines declared before this migration get today as their last valid day (hand-edited: a NOT NULL column needs a value for existing rows).
ALTER TABLE "declaration_lines" ADD COLUMN "valid_until" date NOT NULL DEFAULT CURRENT_DATE;--> statement-breakpoint
ALTER TABLE "declaration_lines" ALTER COLUMN "valid_until" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "deadline" timestamp with time zone NOT NULL DEFAULT now();--> statement-breakpoint
ALTER TABLE "payments" ALTER COLUMN "deadline" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "vouchers" ADD COLUMN "bank_name" text;--> statement-breakpoint
ALTER TABLE "vouchers" ADD COLUMN "account_name" text;--> statement-breakpoint
ALTER TABLE "vouchers" ADD COLUMN "account_masked" text;--> statement-breakpoint
ALTER TABLE "vouchers" ADD COLUMN "paid_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payment_lines" ADD CONSTRAINT "payment_lines_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_lines" ADD CONSTRAINT "payment_lines_line_id_declaration_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."declaration_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payment_lines_open_uq" ON "payment_lines" USING btree ("line_id") WHERE "payment_lines"."open";