/**
 * The one Ajv instance every contract check compiles into, with the formats Twilio's specs use.
 * Ajv understands OpenAPI 3.0 `nullable` when a schema has a `type`; the spec loader fixes up
 * the cases it does not (see normalize.ts).
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

/** Absolute URL, or an absolute path: Twilio's own paging links are relative ("/2010-04-01/..."). */
const URI_OR_ABSOLUTE_PATH = /^(?:[a-z][a-z0-9+.-]*:\/\/[^\s/?#]+[^\s]*|\/[^\s]*)$/i;
/** "Thu, 24 Aug 2023 05:01:45 +0000": what API v2010 sends for its dates. */
const RFC_2822 =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/;
/**
 * E.164, a channel address (whatsapp:+977...), a short code or an alphanumeric sender ID:
 * Twilio takes all of these where its spec says phone-number. No spaces or control characters.
 */
const PHONE_NUMBER_OR_ADDRESS = /^(?:[a-z]+:)?\+?[0-9A-Za-z][0-9A-Za-z+-]{0,31}$/;

/** verbose: errors carry the offending value, so messages can say what was sent. */
export function createContractAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateSchema: false, verbose: true });
  addFormats(ajv);
  ajv.addFormat('uri', URI_OR_ABSOLUTE_PATH);
  ajv.addFormat('date-time-rfc-2822', RFC_2822);
  ajv.addFormat('phone-number', PHONE_NUMBER_OR_ADDRESS);
  ajv.addFormat('iso-country-code', /^[A-Z]{2}$/);
  ajv.addFormat('currency', /^[A-Za-z]{3}$/);
  ajv.addFormat('http-method', /^(?:GET|POST|PUT|DELETE|HEAD|PATCH)$/i);
  // Formats on objects or free text that carry no checkable shape.
  // `binary` is an uploaded file (the Serverless upload host), seen by the check as its file name.
  for (const name of [
    'uri-map',
    'uri-template',
    'phone-number-capabilities',
    'ice-server',
    'endpoint',
    'twiml',
    'sid',
    'binary',
  ])
    ajv.addFormat(name, true);
  return ajv;
}
