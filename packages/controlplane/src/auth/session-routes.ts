import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { toOpenAIError } from '@proxystacks/shared/errors/openai-error';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { InputError } from '../domain/input-error.ts';
import { requestIdOf } from '../graphql/request-id.ts';
import type { AuthSettings } from './auth-settings.ts';
import { highestRole, type Principal } from './roles.ts';
import { CSRF_HEADER, clearedSessionCookie, isHttpsRequest, sessionCookie, sessionTokenFromCookies } from './session-cookie.ts';
import { csrfMatches, csrfTokenFor, findSession } from './sessions.ts';
import { setUpPassword, signIn, signOut, type OpenedSession, type SignInOrigin } from './sign-in.ts';

/** Paths of the console's cookie-session API. */
export const AUTH_PATHS = { signIn: '/auth/sign-in', session: '/auth/session', signOut: '/auth/sign-out', setup: '/auth/setup' } as const;

/** Largest /auth/* request body: an email and a password fit many times over. */
export const MAX_AUTH_BODY_BYTES = 16 * 1024;

/** What the /auth/* handlers need. */
export interface SessionRoutesDeps {
  prisma: PrismaClient;
  keySecret: string;
  auth: AuthSettings;
  logger: Pick<Logger, 'error'>;
}

/** Who is signed in, as /auth/* answers it (the same fields as GraphQL's `Viewer`). */
function viewerOf(principal: Principal) {
  return { id: principal.id, kind: principal.kind, name: principal.label, orgId: principal.orgId, role: highestRole(principal), grants: principal.grants };
}

/**
 * The console's session endpoints (REST, JSON only, bodies capped at 16 KiB; errors
 * OpenAI-shaped):
 * - POST /auth/sign-in `{email, password}` → sets the `relay_session` cookie, `{csrfToken, viewer}`;
 *   401 for any wrong email/password, 429 `account_locked` with retry-after while locked.
 * - GET  /auth/session → `{csrfToken, viewer}` of the cookie's session (a reload gets its CSRF token back), or 401.
 * - POST /auth/sign-out (cookie + `x-csrf-token`) → ends the session, clears the cookie.
 * - POST /auth/setup `{token, password}` → sets the password from a set-up link and signs in.
 * Returns false for paths outside /auth/.
 */
export async function handleAuth(req: IncomingMessage, res: ServerResponse, path: string, deps: SessionRoutesDeps): Promise<boolean> {
  if (!path.startsWith('/auth/')) return false;
  const requestId = requestIdOf(typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : null);
  const origin: SignInOrigin = { requestId, clientAddress: req.socket.remoteAddress ?? '', userAgent: String(req.headers['user-agent'] ?? '') };
  const secure = isHttpsRequest(headerOf(req, 'x-forwarded-proto'), (req.socket as TLSSocket).encrypted === true);
  const reply = (status: number, body: unknown, headers: Record<string, string | string[]> = {}) => sendJson(res, status, body, { 'x-request-id': requestId, ...headers });
  const fail = (err: unknown, headers: Record<string, string> = {}) => {
    const serialised = toOpenAIError(err, requestId);
    if (serialised.body.error.code === 'internal_error') deps.logger.error({ err, requestId, path }, 'auth request failed');
    const retryAfter: Record<string, string> = serialised.retryAfterSeconds === undefined ? {} : { 'retry-after': String(serialised.retryAfterSeconds) };
    reply(serialised.status, serialised.body, { ...retryAfter, ...headers });
  };
  const signedIn = (session: OpenedSession, grants: Principal['grants']) => {
    const principal: Principal = { kind: 'user', id: session.user.id, orgId: session.user.orgId, label: session.user.email, grants, sessionId: null };
    reply(200, { csrfToken: session.csrfToken, viewer: viewerOf(principal) }, { 'set-cookie': sessionCookie(session.token, deps.auth.sessionTtlMs, secure) });
  };
  const grantsOf = async (userId: string) => (await deps.prisma.roleGrant.findMany({ where: { userId }, select: { role: true, teamId: true } })).map((g) => ({ role: g.role, teamId: g.teamId }));

  const serve = async (): Promise<void> => {
    const route = Object.values(AUTH_PATHS).find((p) => p === path);
    if (route === undefined) throw new RelayError('unknown_url', `No such endpoint: ${req.method ?? 'GET'} ${path.slice(0, 100)}.`);
    const method = route === AUTH_PATHS.session ? 'GET' : 'POST';
    if (req.method !== method) return void fail(new RelayError('method_not_allowed', `Use ${method} for ${route}.`), { allow: method });

    if (route === AUTH_PATHS.session) {
      const token = sessionTokenFromCookies(req.headers.cookie);
      const found = token === null ? null : await findSession(deps.prisma, token, { keySecret: deps.keySecret, sessionTtlMs: deps.auth.sessionTtlMs });
      if (found === null || token === null) return void fail(notSignedIn(), token === null ? {} : { 'set-cookie': clearedSessionCookie(secure) });
      // Re-sent with a fresh Max-Age, so the browser keeps the cookie as long as the server keeps the session.
      return void reply(200, { csrfToken: csrfTokenFor(token, deps.keySecret), viewer: viewerOf(found.principal) }, { 'set-cookie': sessionCookie(token, deps.auth.sessionTtlMs, secure) });
    }

    const body = await readJsonBody(req);
    if (route === AUTH_PATHS.signIn) {
      const outcome = await signIn({ prisma: deps.prisma, keySecret: deps.keySecret, auth: deps.auth }, { email: body.email, password: body.password }, origin);
      if (outcome.kind === 'locked') {
        throw new RelayError('account_locked', 'Too many failed sign-ins: this account is locked for now. Try again later, or ask an owner for a set-up link.', {
          retryAfterSeconds: outcome.retryAfterSeconds,
        });
      }
      if (outcome.kind === 'refused') throw new RelayError('unauthenticated', 'That email and password were not accepted.');
      return void signedIn(outcome.session, await grantsOf(outcome.session.user.id));
    }
    if (route === AUTH_PATHS.setup) {
      const outcome = await setUpPassword({ prisma: deps.prisma, keySecret: deps.keySecret, auth: deps.auth }, { token: body.token, password: body.password }, origin);
      if (outcome.kind === 'invalid-link') {
        throw new RelayError('unauthenticated', 'This set-up link is not valid: it was used, replaced by a newer one, or has expired. Ask an owner for a new one.', { param: 'token' });
      }
      return void signedIn(outcome.session, await grantsOf(outcome.session.user.id));
    }
    // Sign-out: the session's own cookie and CSRF token, so another site cannot sign a user out.
    const token = sessionTokenFromCookies(req.headers.cookie);
    const found = token === null ? null : await findSession(deps.prisma, token, { keySecret: deps.keySecret, sessionTtlMs: deps.auth.sessionTtlMs });
    if (found === null) return void fail(notSignedIn(), { 'set-cookie': clearedSessionCookie(secure) });
    if (!csrfMatches(headerOf(req, CSRF_HEADER), found.session.csrfHash, deps.keySecret)) throw csrfRefused();
    await signOut(deps.prisma, found.session.id, origin);
    reply(200, { signedOut: true }, { 'set-cookie': clearedSessionCookie(secure) });
  };
  try {
    await serve();
  } catch (err) {
    fail(err instanceof InputError ? new RelayError('invalid_value', err.message, { param: err.param }) : err);
  }
  return true;
}

/** The refusal for a request without a live session. */
export function notSignedIn(): RelayError {
  return new RelayError('unauthenticated', 'Not signed in, or the session has ended. Sign in again.');
}

/** The refusal for a cookie-authenticated request without its session's CSRF token. */
export function csrfRefused(): RelayError {
  return new RelayError('csrf_token_invalid', `Send the session's CSRF token (from /auth/sign-in or GET /auth/session) in the ${CSRF_HEADER} header.`);
}

function headerOf(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

/**
 * The request's JSON object body: `content-type: application/json` only (a cross-site form
 * cannot send that without a CORS preflight, which nothing here answers), at most 16 KiB (a
 * larger Content-Length is refused before reading; a body that grows past it is cut off).
 */
function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') return Promise.reject(new RelayError('unsupported_media_type', 'Send the body as JSON with content-type: application/json.'));
  if (Number(req.headers['content-length'] ?? 0) > MAX_AUTH_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_AUTH_BODY_BYTES && !done) {
        done = true;
        reject(tooLarge());
      } else if (!done) chunks.push(chunk);
    });
    req.on('error', (err) => (done ? undefined : ((done = true), reject(err))));
    req.on('end', () => {
      if (done) return;
      done = true;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reject(new RelayError('invalid_json', 'The body is not valid JSON.'));
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return reject(new RelayError('invalid_type', 'The body must be a JSON object.'));
      resolve(parsed as Record<string, unknown>);
    });
  });
}

function tooLarge(): RelayError {
  return new RelayError('body_too_large', `The body is larger than ${MAX_AUTH_BODY_BYTES} bytes.`);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]>): void {
  if (res.headersSent) return void res.destroy();
  const text = JSON.stringify(body);
  // A refused oversized body is not read: close the connection rather than drain it.
  const close = status === 413 ? { connection: 'close' } : {};
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...close, ...headers });
  res.end(text);
}
