CREATE TABLE "password_failures" (
	"taxpayer_id" text PRIMARY KEY NOT NULL,
	"failures" integer NOT NULL,
	"window_started_at" timestamp with time zone,
	"locked_until" timestamp with time zone
);
