/**
 * A fault-injecting HTTP proxy for tests and benchmarks, between twilio-run and the sandbox
 * (TWILIO_API_BASE_URL points at it). It loses what networks lose: the answer to a request
 * the sandbox already executed (dropped, or delayed past the caller's budget), connections
 * reset before or after the request reached the sandbox, and a product failing for a while.
 * Paths are the client factory's: /<product>/<original path>.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultAction =
  /** Forward, let the sandbox execute it, then cut the connection instead of answering. */
  | 'drop_answer'
  /** Forward, then hold the sandbox's answer for delayMs before passing it on. */
  | 'delay_answer'
  /** Cut the connection: before forwarding (never executed) or after (executed, answer lost), at random. */
  | 'reset'
  /** Answer `status` (503) without forwarding: the product is down. */
  | 'fail';

export interface FaultRule {
  action: FaultAction;
  /** First path segment: api (Messages), sync, lookups, messaging, content. Any when absent. */
  product?: string;
  method?: string;
  /** Matched against the path after the product (e.g. `/Messages\.json$`). */
  path?: RegExp;
  /** Fraction of matching requests hit (default 1). */
  rate?: number;
  /** Hit at most this many times. */
  times?: number;
  /** Only before this epoch ms (a product failing for a period). */
  until?: number;
  delayMs?: number;
  status?: number;
  /** For reset: where the cut happens (default either, at random). */
  when?: 'before' | 'after' | 'either';
}

export interface FaultCounts {
  forwarded: number;
  dropped: number;
  delayed: number;
  resetBefore: number;
  resetAfter: number;
  failed: number;
}

export interface FaultProxy {
  url: string;
  /** Replaces the rules (first match wins). */
  configure(rules: FaultRule[]): void;
  counts(): FaultCounts;
  close(): Promise<void>;
}

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export async function startFaultProxy(target: string, options: { seed?: number } = {}): Promise<FaultProxy> {
  const random = mulberry32(options.seed ?? 7);
  let rules: Array<FaultRule & { hits: number }> = [];
  const counts: FaultCounts = { forwarded: 0, dropped: 0, delayed: 0, resetBefore: 0, resetAfter: 0, failed: 0 };
  const sockets = new Set<Socket>();
  const upstream = new URL(target);

  function pick(method: string, product: string, rest: string): FaultRule | undefined {
    for (const rule of rules) {
      if (rule.product && rule.product !== product) continue;
      if (rule.method && rule.method !== method) continue;
      if (rule.path && !rule.path.test(rest)) continue;
      if (rule.until !== undefined && Date.now() >= rule.until) continue;
      if (rule.times !== undefined && rule.hits >= rule.times) continue;
      if (random() >= (rule.rate ?? 1)) continue;
      rule.hits++;
      return rule;
    }
    return undefined;
  }

  function forward(req: IncomingMessage, body: Buffer): Promise<Answer> {
    counts.forwarded++;
    return new Promise((resolve, reject) => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host, connection: 'close' },
        },
        (res) => {
          void readBody(res).then(
            (answer) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: answer }),
            reject,
          );
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  function reply(res: ServerResponse, answer: Answer): void {
    if (res.destroyed) return;
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://proxy');
    const [, product = '', ...rest] = url.pathname.split('/');
    const rule = pick(req.method ?? 'GET', product, '/' + rest.join('/'));
    if (!rule) return reply(res, await forward(req, body));
    switch (rule.action) {
      case 'fail': {
        counts.failed++;
        const status = rule.status ?? 503;
        const error = { code: 20000 + status, message: 'Service Unavailable (fault proxy)', more_info: '', status };
        return reply(res, {
          status,
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(JSON.stringify(error)),
        });
      }
      case 'reset': {
        const after = rule.when === 'after' || (rule.when !== 'before' && random() < 0.5);
        if (after) {
          await forward(req, body);
          counts.resetAfter++;
        } else counts.resetBefore++;
        req.socket.resetAndDestroy();
        return;
      }
      case 'drop_answer':
        await forward(req, body);
        counts.dropped++;
        req.socket.resetAndDestroy();
        return;
      case 'delay_answer': {
        const answer = await forward(req, body);
        counts.delayed++;
        await new Promise((r) => setTimeout(r, rule.delayMs ?? 12_000));
        return reply(res, answer);
      }
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(502);
        res.end();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    configure(next) {
      rules = next.map((rule) => ({ ...rule, hits: 0 }));
    },
    counts: () => ({ ...counts }),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
