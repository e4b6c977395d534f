/**
 * The Serverless API client `npm run deploy` uses: @twilio-labs/serverless-api, optionally aimed
 * at a local stand-in (TWILIO_API_BASE_URL, the sandbox) instead of Twilio.
 *
 * The seam: the library builds its URLs as https://<product>[.<edge>][.<region>].twilio.com/v1
 * (serverless for the API, serverless-upload for Function and Asset Versions), so region and
 * edge can only choose another twilio.com host. Every call it makes, uploads and next-page links
 * included, goes through its public `request(method, path, options)` with got options; this
 * subclass adds a got `beforeRequest` hook there that rewrites https://<product>.twilio.com/...
 * to <base>/<product>/..., the same rewrite the Functions' own Twilio client does
 * (src/twilio/client.ts). Without a base URL the library is used as it is.
 */
import { TwilioServerlessApiClient } from '@twilio-labs/serverless-api';
import type { HTTPAlias, OptionsOfJSONResponseBody, OptionsOfTextResponseBody, Response } from 'got';
import { rewriteTwilioUrl } from '../twilio/client';

export interface ServerlessCredentials {
  username: string;
  password: string;
}

/** got's URL carries the basic-auth credentials: rewrite host and path, keep them. */
export function rewriteRequestUrl(url: URL, baseUrl: string): URL {
  const plain = new URL(url.href);
  plain.username = '';
  plain.password = '';
  const rewritten = new URL(rewriteTwilioUrl(plain.href, baseUrl));
  rewritten.username = url.username;
  rewritten.password = url.password;
  return rewritten;
}

class LocalServerlessApiClient extends TwilioServerlessApiClient {
  constructor(
    credentials: ServerlessCredentials,
    private readonly baseUrl: string,
  ) {
    super(credentials);
  }

  override request(method: HTTPAlias, path: string): Promise<Response<unknown>>;
  override request(method: HTTPAlias, path: string, options: OptionsOfJSONResponseBody): Promise<Response<unknown>>;
  override request(method: HTTPAlias, path: string, options: OptionsOfTextResponseBody): Promise<Response<string>>;
  override request(
    method: HTTPAlias,
    path: string,
    options: OptionsOfJSONResponseBody | OptionsOfTextResponseBody = {},
  ): Promise<Response<unknown>> {
    const baseUrl = this.baseUrl;
    const hooks = {
      ...options.hooks,
      beforeRequest: [
        ...(options.hooks?.beforeRequest ?? []),
        (request: { url: URL }) => {
          request.url = rewriteRequestUrl(request.url, baseUrl);
        },
      ],
    };
    return super.request(method, path, { ...options, hooks } as OptionsOfTextResponseBody);
  }
}

export function createServerlessClient(
  credentials: ServerlessCredentials,
  baseUrl?: string,
): TwilioServerlessApiClient {
  return baseUrl ? new LocalServerlessApiClient(credentials, baseUrl) : new TwilioServerlessApiClient(credentials);
}
