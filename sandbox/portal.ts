/**
 * Demo portal API: Django REST Framework PageNumberPagination over users generated from
 * (seed, index) on the fly, so 100,000 users cost no memory. A realistic mix of valid
 * Nepal numbers in every format people type, invalid, duplicate, foreign, US, landline
 * and blank numbers; `portalUser` tells tests what each one is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface PortalOptions {
  baseUrl: string;
  users: number;
  seed: number;
  token: string;
  /** Fraction of page requests answered 500. */
  failRate: number;
  /** A page number answered with malformed JSON (0 = none). */
  malformedPage: number;
}

export const DEFAULT_PORTAL: Omit<PortalOptions, 'baseUrl'> = {
  users: 200,
  seed: 7,
  token: 'portal-demo-token',
  failRate: 0,
  malformedPage: 0,
};

export type UserCategory = 'valid' | 'duplicate' | 'invalid' | 'foreign' | 'us' | 'landline' | 'blank';

export interface PortalUser {
  id: number;
  name: string;
  phone: string;
  category: UserCategory;
  /** The E.164 a valid or duplicate user's phone normalizes to. */
  e164?: string;
}

function bucket(index: number, seed: number): number {
  return Math.abs((Math.imul(index + 1, 2654435761) ^ Math.imul(seed, 40503)) >>> 0) % 100;
}

const NP_FORMATS = [
  (n: string) => `+977${n}`,
  (n: string) => n,
  (n: string) => `0${n}`,
  (n: string) => `00977 ${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`,
  (n: string) => `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`,
  (n: string) => `977${n}`,
];

function npMobile(index: number): string {
  return '984' + String(index).padStart(7, '0');
}

export function portalUser(index: number, seed: number): PortalUser {
  const id = index + 1;
  const name = `User ${id}`;
  const b = bucket(index, seed);
  if (b < 70 || index === 0) {
    const national = npMobile(index);
    return {
      id,
      name,
      phone: NP_FORMATS[index % NP_FORMATS.length]!(national),
      category: 'valid',
      e164: `+977${national}`,
    };
  }
  if (b < 75) {
    // Same number as an earlier valid user.
    let j = index - 1;
    while (j > 0 && portalUser(j, seed).category !== 'valid') j--;
    return { id, name, phone: `+977${npMobile(j)}`, category: 'duplicate', e164: `+977${npMobile(j)}` };
  }
  if (b < 85) return { id, name, phone: index % 2 ? '12345' : 'call me', category: 'invalid' };
  if (b < 90) return { id, name, phone: `+44 7400 ${String(index % 1_000_000).padStart(6, '0')}`, category: 'foreign' };
  if (b < 95)
    return {
      id,
      name,
      phone: `+1 415 523 ${String(index % 10_000).padStart(4, '0')}`,
      category: 'us',
      e164: `+1415523${String(index % 10_000).padStart(4, '0')}`,
    };
  if (b < 98) return { id, name, phone: `01${String(4400000 + (index % 100000))}`, category: 'landline' };
  return { id, name, phone: '', category: 'blank' };
}

export function handlePortal(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  partial: Partial<PortalOptions> & { baseUrl: string },
): void {
  const options: PortalOptions = { ...DEFAULT_PORTAL, ...partial };
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  if (!/^\/portal\/api\/users\/?$/.test(url.pathname)) return reply(404, { detail: 'Not found.' });
  const auth = req.headers.authorization ?? '';
  if (auth !== `Token ${options.token}` && auth !== `Bearer ${options.token}`)
    return reply(401, { detail: 'Invalid token.' });
  const page = Number(url.searchParams.get('page') ?? '1');
  const pageSize = Math.min(1000, Number(url.searchParams.get('page_size') ?? '100'));
  if (!Number.isInteger(page) || page < 1) return reply(404, { detail: 'Invalid page.' });
  if (options.failRate > 0 && Math.random() < options.failRate) return reply(500, '<h1>Server Error (500)</h1>');
  if (options.malformedPage === page) return reply(200, '{"count": 10, "results": [ {"id": 1, "phone": ');
  const start = (page - 1) * pageSize;
  if (start >= options.users && page !== 1) return reply(404, { detail: 'Invalid page.' });
  const results = [];
  for (let i = start; i < Math.min(options.users, start + pageSize); i++) {
    const u = portalUser(i, options.seed);
    results.push({ id: u.id, name: u.name, phone: u.phone, email: `user${u.id}@example.org` });
  }
  const link = (p: number) => `${options.baseUrl}/portal/api/users/?page=${p}&page_size=${pageSize}`;
  reply(200, {
    count: options.users,
    next: start + pageSize < options.users ? link(page + 1) : null,
    previous: page > 1 ? link(page - 1) : null,
    results,
  });
}
