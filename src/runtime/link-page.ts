/**
 * What the pages reached from a signed link in a message (/u, /b) share: their reply headers
 * and how a form's POST is told from a GET (a Function's event does not carry the method).
 */
import { headerOf, type RequestHeaders } from './request-params';
import type { Reply } from './route';

/** An HTML page whose URL carries a token. */
export function linkPageReply(page: { status: number; html: string }): Reply {
  return {
    status: page.status,
    body: page.html,
    contentType: 'text/html; charset=utf-8',
    headers: {
      // The token is in the URL: never send it on as a Referer; no scripts, forms only to ourselves.
      'Referrer-Policy': 'no-referrer',
      'X-Robots-Tag': 'noindex',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    },
  };
}

/**
 * True for the page's own form POST. Link scanners and previews open links (GET), so only a
 * form-encoded body may change anything.
 */
export function isFormPost(headers: RequestHeaders): boolean {
  return /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(headerOf(headers, 'content-type') ?? '');
}
