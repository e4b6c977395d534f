/**
 * What every sandbox product module shares: the call it is handed, the answer it returns,
 * the error that becomes Twilio's JSON error body, and Twilio's SID and date formats.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { UploadedPart } from './http';
import type { SandboxOptions } from './options';

/** One Twilio REST call, its path split after the product (e.g. ['v1','Services',IS,'Maps']). */
export interface TwilioCall {
  method: string;
  parts: string[];
  /** Form (or multipart text) fields, the last value of a repeated key. */
  form: Record<string, string>;
  /** The form body with repeated keys (FunctionVersions=a&FunctionVersions=b). */
  params: URLSearchParams;
  /** Files of a multipart body, by field name. */
  files: Record<string, UploadedPart>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/** HTTP status and JSON body (undefined: no body). */
export type Answer = [number, unknown];

/** What a product module is built from: the live options and the sandbox's URL once it listens. */
export interface ProductContext {
  options: SandboxOptions;
  baseUrl: () => string;
}

/** Thrown by a product module; the server answers it as Twilio does ({code, message, more_info, status}). */
export class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const newSid = (prefix: string) => prefix + randomBytes(16).toString('hex');
export const iso = (d = new Date()) => d.toISOString();
/** The 2010 API's date format, e.g. 'Wed, 02 Dec 2026 06:49:33 +0000'. */
export const rfc2822 = (d = new Date()) => d.toUTCString().replace('GMT', '+0000');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The `meta` block of a v1 list answer (one page: the sandbox never pages these). */
export function singlePageMeta(url: string, pageSize: number, key: string) {
  return { page: 0, page_size: pageSize, first_page_url: url, previous_page_url: null, url, next_page_url: null, key };
}
