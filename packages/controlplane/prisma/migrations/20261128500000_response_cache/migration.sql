-- Exact-match response cache (issue 9). On an alias: how long answers are kept (NULL = no
-- cache) and whether streamed requests with tools may be cached. On a key: NULL = the alias's
-- setting, 0 = never cache this key's requests, > 0 = cache them that long, private to the key.
ALTER TABLE "model_alias" ADD COLUMN "response_cache_ttl_seconds" INTEGER;
ALTER TABLE "model_alias" ADD COLUMN "response_cache_tool_streams" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "api_key" ADD COLUMN "response_cache_ttl_seconds" INTEGER;
