-- Issue 11: HTTP/2 to upstreams, per provider. AUTO offers h2 by ALPN on TLS and falls back to
-- HTTP/1.1; OFF, the default, never offers it (undici 7 ends every stream of an h2 connection
-- on a GOAWAY, even a graceful one, so HTTP/2 is opt-in). Existing providers get OFF.
CREATE TYPE "provider_http2" AS ENUM ('AUTO', 'OFF');

ALTER TABLE "provider" ADD COLUMN "http2" "provider_http2" NOT NULL DEFAULT 'OFF';
