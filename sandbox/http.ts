/** Reading a request body (form, JSON or multipart) and writing a JSON answer, for the sandbox server and its control routes. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readRawBody(req)).toString('utf8');
}

export interface UploadedPart {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface Multipart {
  fields: Record<string, string>;
  files: Record<string, UploadedPart>;
}

/** multipart/form-data (the Serverless upload host's format), parsed by Node's own fetch implementation. */
export async function parseMultipart(raw: Buffer, contentType: string): Promise<Multipart> {
  const data = await new Response(new Uint8Array(raw), { headers: { 'Content-Type': contentType } }).formData();
  const entries: Array<[string, FormDataEntryValue]> = [];
  data.forEach((value, name) => entries.push([name, value]));
  const out: Multipart = { fields: {}, files: {} };
  for (const [name, value] of entries) {
    if (typeof value === 'string') out.fields[name] = value;
    else
      out.files[name] = {
        filename: value.name,
        contentType: value.type,
        content: Buffer.from(await value.arrayBuffer()),
      };
  }
  return out;
}

export function formOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
