/**
 * Contract checks against Twilio's own OpenAPI specs (shipped by @twilio-alpha/mcp).
 * The sandbox runs these on every request it receives and every answer it gives, so
 * neither the project's adapters nor the sandbox can drift from Twilio. Stricter than
 * Twilio in one way on purpose: an unknown request parameter is a violation (Twilio
 * ignores it, which hides typos). See docs/contract.md.
 */
import type { ValidateFunction } from 'ajv';
import { createContractAjv } from './ajv-instance';
import { coerceParameters, type WireValue } from './coerce';
import { describeError } from './describe';
import { loadProduct, SPEC_FILES, type Operation, type ProductSpec } from './operations';
import { redactString } from '../../src/core/log';
import type { Json } from './normalize';
import { withoutTolerated } from './tolerated';

export interface ContractViolation {
  where: 'request' | 'response';
  operation?: string;
  message: string;
}

export interface TwilioRequest {
  method: string;
  /** First path segment of the rewritten URL: api, sync, lookups, messaging, content, serverless, serverless-upload. */
  product: string;
  /** The rest of the path, e.g. /2010-04-01/Accounts/AC.../Messages.json (still URL-encoded). */
  path: string;
  query: Record<string, WireValue>;
  form: Record<string, WireValue>;
}

export interface TwilioResponse {
  method: string;
  product: string;
  path: string;
  status: number;
  body: unknown;
}

const ajv = createContractAjv();
const products = new Map<string, ProductSpec | undefined>();

/** Twilio's error body, as twilio-node's RestException reads it. */
const TWILIO_ERROR = {
  type: 'object',
  required: ['code', 'message', 'more_info', 'status'],
  properties: {
    code: { type: 'integer' },
    message: { type: 'string' },
    more_info: { type: 'string' },
    status: { type: 'integer' },
  },
};
let errorValidator: ValidateFunction | undefined;

function productSpec(product: string): ProductSpec | undefined {
  if (!products.has(product)) products.set(product, loadProduct(ajv, product));
  return products.get(product);
}

interface Match {
  operation: Operation;
  pathParams: Record<string, string>;
}

function findOperation(product: string, method: string, path: string): Match | undefined {
  const spec = productSpec(product);
  if (!spec) return undefined;
  const wanted = method.toUpperCase();
  for (const operation of spec.operations) {
    if (operation.method !== wanted) continue;
    const match = operation.matcher.exec(path);
    if (!match) continue;
    const pathParams: Record<string, string> = {};
    operation.pathParamNames.forEach((name, i) => (pathParams[name] = match[i + 1]!));
    return { operation, pathParams };
  }
  return undefined;
}

function validator(operation: Operation, key: string, schema: Json): ValidateFunction {
  let fn = operation.compiled.get(key);
  if (!fn) {
    fn = ajv.compile(schema);
    operation.compiled.set(key, fn);
  }
  return fn;
}

function notInSpec(
  where: ContractViolation['where'],
  method: string,
  product: string,
  path: string,
): ContractViolation {
  const shown = `${method.toUpperCase()} /${product}${redactString(path)}`;
  if (!SPEC_FILES[product])
    return {
      where,
      message: `${shown}: unknown product "${product}" (checked: ${Object.keys(SPEC_FILES).join(', ')})`,
    };
  const otherMethods = (productSpec(product)?.operations ?? [])
    .filter((op) => op.matcher.test(path))
    .map((op) => op.method);
  const hint = otherMethods.length > 0 ? ` (the path exists with ${[...new Set(otherMethods)].join(', ')})` : '';
  return { where, message: `${shown} is not an operation of Twilio's ${product} spec${hint}` };
}

function decodePathParams(raw: Record<string, string>): Record<string, string> | undefined {
  try {
    return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, decodeURIComponent(value)]));
  } catch {
    return undefined;
  }
}

export function validateTwilioRequest(req: TwilioRequest): ContractViolation[] {
  const found = findOperation(req.product, req.method, req.path);
  if (!found) return [notInSpec('request', req.method, req.product, req.path)];
  const { operation } = found;
  const violations: ContractViolation[] = [];
  const report = (message: string) =>
    violations.push({ where: 'request', operation: operation.name, message: `${operation.name}: ${message}` });
  const check = (key: string, schema: Json, data: unknown, subject: string) => {
    const fn = validator(operation, key, schema);
    if (!fn(data)) for (const error of fn.errors ?? []) report(describeError(error, subject));
  };

  const pathParams = decodePathParams(found.pathParams);
  if (pathParams) check('path', operation.pathSchema, pathParams, 'path parameter');
  else report('a path parameter is not valid URL encoding');

  const query = coerceParameters(req.query, operation.queryCoercions);
  for (const name of query.repeated)
    report(`query parameter "${name}" is sent ${[req.query[name]].flat().length} times; the spec takes one value`);
  check('query', operation.querySchema, query.values, 'query parameter');

  const form = withoutTolerated(operation.name, req.form);
  const sent = Object.keys(form);
  if (!operation.body) {
    if (sent.length > 0) report(`takes no request body, got ${sent.map((n) => `"${n}"`).join(', ')}`);
    return violations;
  }
  const subject = operation.body.form ? 'form parameter' : 'body field';
  const body = operation.body.form
    ? coerceParameters(form, operation.body.coercions)
    : { values: form as Record<string, unknown>, repeated: [] };
  for (const name of body.repeated)
    report(`${subject} "${name}" is sent ${[form[name]].flat().length} times; the spec takes one value`);
  check('body', operation.body.schema, body.values, subject);
  for (const group of operation.oneOfEachRequired) {
    if (!group.some((name) => name in form)) report(`one of ${group.map((n) => `"${n}"`).join(', ')} is required`);
  }
  return violations;
}

export function validateTwilioResponse(res: TwilioResponse): ContractViolation[] {
  const found = findOperation(res.product, res.method, res.path);
  const name = found?.operation.name;
  const violation = (message: string): ContractViolation => ({
    where: 'response',
    ...(name ? { operation: name } : {}),
    message: `${name ?? `${res.method.toUpperCase()} /${res.product}`} ${res.status}: ${message}`,
  });

  // Error answers have one shape everywhere, also for paths Twilio does not have (its 404s).
  if (res.status >= 400) {
    errorValidator ??= ajv.compile(TWILIO_ERROR);
    if (!errorValidator(res.body))
      return (errorValidator.errors ?? []).map((e) => violation(describeError(e, 'error field')));
    const status = (res.body as { status: number }).status;
    return status === res.status
      ? []
      : [violation(`error field "status" is ${status} but the HTTP status is ${res.status}`)];
  }
  if (!found) return [notInSpec('response', res.method, res.product, res.path)];
  const { operation } = found;
  const status = String(res.status);
  if (!(status in operation.responses)) {
    return [
      violation(
        `status ${res.status} is not a documented answer (spec: ${Object.keys(operation.responses).join(', ')})`,
      ),
    ];
  }
  const schema = operation.responses[status];
  if (!schema) {
    const empty = res.body === undefined || res.body === null || res.body === '';
    return empty ? [] : [violation('the spec documents no body for this status, got one')];
  }
  const fn = validator(operation, `response ${status}`, schema);
  return fn(res.body) ? [] : (fn.errors ?? []).map((e) => violation(describeError(e, 'response field')));
}
