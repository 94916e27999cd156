-- Signed webhooks: receivers, one delivery per (event, webhook), each POST attempt, and how far
-- the dispatcher followed the audit chain.
CREATE TABLE "webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"events" jsonb NOT NULL,
	"description" text,
	"secret" jsonb NOT NULL,
	"request_ref" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	"deleted_by" text,
	"listening_from" bigint,
	"listening_until" bigint
);--> statement-breakpoint
CREATE UNIQUE INDEX "webhooks_request_uq" ON "webhooks" USING btree ("request_ref");--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"webhook_id" text NOT NULL REFERENCES "webhooks"("id"),
	"event_seq" bigint NOT NULL,
	"event_type" text NOT NULL,
	"subject" text NOT NULL,
	"event_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"round" integer DEFAULT 1 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_event_uq" ON "webhook_deliveries" USING btree ("webhook_id","event_seq");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_status_idx" ON "webhook_deliveries" USING btree ("status");--> statement-breakpoint
CREATE TABLE "webhook_attempts" (
	"delivery_id" text NOT NULL REFERENCES "webhook_deliveries"("id") ON DELETE cascade,
	"round" integer NOT NULL,
	"n" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"status_code" integer,
	"error" text,
	"duration_ms" integer NOT NULL,
	CONSTRAINT "webhook_attempts_delivery_id_round_n_pk" PRIMARY KEY("delivery_id","round","n")
);--> statement-breakpoint
CREATE TABLE "webhook_dispatch" (
	"id" text PRIMARY KEY NOT NULL,
	"after_chain_pos" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
-- Webhooks hear what happens from now on: the dispatcher starts at the head of the chain.
INSERT INTO "webhook_dispatch" ("id", "after_chain_pos") SELECT 'audit_log', coalesce(max("chain_pos"), 0) FROM "audit_log";
