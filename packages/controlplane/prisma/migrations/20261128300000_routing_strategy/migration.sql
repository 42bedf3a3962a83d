-- Routing strategy per alias (issue 9): how data planes order an alias's routes for each
-- request. Existing aliases keep today's behaviour ('fallback': priority, then weight).
ALTER TABLE "model_alias" ADD COLUMN "routing_strategy" TEXT NOT NULL DEFAULT 'fallback';
ALTER TABLE "model_alias" ADD CONSTRAINT "model_alias_routing_strategy_check" CHECK ("routing_strategy" IN ('fallback', 'weighted', 'least_latency', 'lowest_cost'));
