-- The bureau's shared pace (BUREAU_MAX_REQUESTS_PER_SECOND): the next moment any worker may send
-- the bureau a request, one row that every request moves on by one interval.
CREATE TABLE "bureau_pace" (
	"id" integer PRIMARY KEY NOT NULL,
	"next_at" timestamp with time zone NOT NULL
);
