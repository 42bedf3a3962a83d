-- Issue 11: HTTP/2 to upstreams, per provider. AUTO offers h2 by ALPN on TLS and falls back to
-- HTTP/1.1; OFF never offers it. Existing providers get AUTO, the data plane's default.
CREATE TYPE "provider_http2" AS ENUM ('AUTO', 'OFF');

ALTER TABLE "provider" ADD COLUMN "http2" "provider_http2" NOT NULL DEFAULT 'AUTO';
