-- Prompt-cache writes priced apart from input: Anthropic bills them at 1.25x input (5-minute
-- cache) or 2x (1-hour cache). NULL, the value of every existing rule, bills them as input.
ALTER TABLE "pricing_rule" ADD COLUMN "cache_write_micros_per_mtok" BIGINT;
