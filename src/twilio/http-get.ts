/**
 * One HTTP(S) GET over node:http with a keep-alive agent per scheme, the body read as text.
 * Used by the batch's read paths (dry-run Sync reads, portal pages) instead of global
 * fetch, which loads undici (a WebAssembly HTTP parser) on first use, and instead of
 * twilio-node, which allocates far more per call (figures: bench/README.md, "Batch read path").
 */
import http from 'node:http';
import https from 'node:https';
import { MAX_SOCKETS_PER_HOST } from './client';

// One agent per scheme for the process: a warm Function container reuses its connections.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
};

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** No answer: socket error, or none within `timeoutMs` (`timedOut`). Always worth retrying. */
export class HttpGetError extends Error {
  readonly network = true;
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'HttpGetError';
  }
}

export type HttpGet = (url: string, headers: Record<string, string>, timeoutMs: number) => Promise<HttpAnswer>;

export const httpGet: HttpGet = (url, headers, timeoutMs) => {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return Promise.reject(new Error(`not an http(s) URL: ${target.protocol}`));
  const transport = target.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    // A limit on the whole exchange (as AbortSignal.timeout), not only on socket idleness.
    const timer = setTimeout(
      () => {
        timedOut = true;
        req.destroy(new Error(`no answer within ${timeoutMs} ms`));
      },
      Math.max(1, timeoutMs),
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(new HttpGetError(error.message, timedOut));
    };
    const req = transport.request(
      target,
      { method: 'GET', agent: agents[target.protocol as 'http:' | 'https:'], headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end();
  });
};
