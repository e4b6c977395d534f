/**
 * Preloaded into the local twilio-run (`node --require`) by `npm run dev`, `npm start` and
 * the test harness; it changes nothing deployed (Twilio runs the Functions there). Issue 14:
 *
 * 1. Listen host. twilio-run calls `app.listen(port)`, which binds every interface: anyone
 *    on the same network could call the dev service. A server started with a port only
 *    binds DEV_HOST instead (default 127.0.0.1; DEV_HOST=0.0.0.0 to share it on purpose).
 * 2. Body errors. A malformed JSON body or one over the runtime's 6 MB limit reaches
 *    express's default error page, which prints the stack trace (paths, versions). They are
 *    answered as JSON with a reason code instead, and nothing is printed.
 * 3. Access log. twilio-run prints every request's URL; a query string can hold a phone
 *    number or a token. The log gets the path and `?[query redacted]` (routes still see the
 *    query: express reads req.url, the logger req.originalUrl).
 *
 * Plain CommonJS with no dependency, so `node --require` loads it before twilio-run.
 */
/* global process */
'use strict';
const http = require('node:http'); // eslint-disable-line @typescript-eslint/no-require-imports -- preloaded as CommonJS

// Read now: twilio-run replaces process.env with the .env file's values before it listens.
const host = process.env.DEV_HOST || '127.0.0.1';

function bodyErrorCode(err) {
  if (err && err.type === 'entity.parse.failed') return 'malformed_body';
  if (err && err.type === 'entity.too.large') return 'body_too_large';
  if (err && err.type === 'encoding.unsupported') return 'unsupported_encoding';
  if (err && err.type === 'charset.unsupported') return 'unsupported_charset';
  return undefined;
}

function jsonErrors(err, req, res, next) {
  if (res.headersSent) return next(err);
  const status = Number(err && (err.status || err.statusCode)) || 500;
  const code = bodyErrorCode(err) || (status < 500 ? 'bad_request' : 'internal_error');
  const message =
    code === 'malformed_body'
      ? 'The body is not valid for its Content-Type'
      : code === 'body_too_large'
        ? 'The body is larger than the runtime accepts'
        : status < 500
          ? 'The request could not be read'
          : 'Unexpected error';
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify({ error: { code, message } }));
}

function guard(server) {
  if (server.__aamcareGuarded) return;
  server.__aamcareGuarded = true;
  for (const app of server.listeners('request')) {
    if (typeof app !== 'function' || typeof app.use !== 'function') continue;
    app.use(jsonErrors);
    server.removeListener('request', app);
    server.on('request', (req, res) => {
      const q = typeof req.url === 'string' ? req.url.indexOf('?') : -1;
      if (q >= 0 && req.url.length > q + 1) req.originalUrl = `${req.url.slice(0, q)}?[query redacted]`;
      app(req, res);
    });
  }
}

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function guardedListen(...args) {
  const portOnly =
    (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) &&
    (args.length === 1 || typeof args[1] === 'function');
  if (portOnly) {
    args.splice(1, 0, host);
    guard(this);
  }
  return listen.apply(this, args);
};
