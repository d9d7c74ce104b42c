-- CreateIndex
-- A trace's lines, for the console's trace view: a request line and what its function printed meanwhile.
-- Hash: a few bytes a row at a row per request, equality is all it answers, and NULL trace ids are not indexed.
CREATE INDEX "log_lines_trace_id_idx" ON "log_lines" USING HASH ("trace_id");
