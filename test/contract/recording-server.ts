/**
 * A local HTTP server that records every request twilio-node sends to it (through the
 * client factory's TWILIO_API_BASE_URL rewrite) and answers just enough JSON for
 * twilio-node to finish the call. It has no Twilio behaviour: the point is the requests.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TwilioRequest } from '../../sandbox/contract/index';

export interface RecordedRequest extends TwilioRequest {
  headers: IncomingMessage['headers'];
}

export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** URLSearchParams -> record, repeated keys as arrays (how Twilio reads MediaUrl=a&MediaUrl=b). */
export function paramsToRecord(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    const seen = out[key];
    out[key] = seen === undefined ? value : [...[seen].flat(), value];
  }
  return out;
}

/** Collections answer an empty page in the envelope their API version uses. */
function minimalAnswer(method: string, product: string, path: string): [number, unknown] {
  if (method === 'DELETE') return [204, undefined];
  const collection = /\/(Items|PhoneNumbers|Messages\.json)$/.exec(path)?.[1];
  if (method === 'GET' && collection === 'Messages.json')
    return [200, { messages: [], next_page_uri: null, page: 0, page_size: 20 }];
  if (method === 'GET' && collection) {
    const key = collection === 'Items' ? 'items' : 'phone_numbers';
    return [200, { [key]: [], meta: { key, next_page_url: null, page: 0, page_size: 50 } }];
  }
  return [
    method === 'POST' && /(Messages\.json|Maps|Items|Documents)$/.test(path) ? 201 : 200,
    { sid: product === 'api' ? 'SM' + '0'.repeat(32) : 'XX' + '0'.repeat(32) },
  ];
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://recorder.local');
      const [, product = '', ...rest] = url.pathname.split('/');
      const path = '/' + rest.join('/');
      const method = req.method ?? 'GET';
      const form = paramsToRecord(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      requests.push({ method, product, path, query: paramsToRecord(url.searchParams), form, headers: req.headers });
      const [status, body] = minimalAnswer(method, product, path);
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
