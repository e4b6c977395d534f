/**
 * Contract checks against Twilio's own OpenAPI specs (shipped by @twilio-alpha/mcp under
 * twilio-oai/spec/json). Every request the sandbox receives and every response it sends
 * can be validated here, so neither the project's adapters nor the sandbox can drift from
 * Twilio. Request bodies are checked with additionalProperties: false: Twilio's spec
 * tolerates unknown parameters, we do not.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export interface ContractViolation {
  where: 'request' | 'response';
  operation?: string;
  message: string;
}

const SPEC_FILES: Record<string, string> = {
  api: 'twilio_api_v2010.json',
  sync: 'twilio_sync_v1.json',
  lookups: 'twilio_lookups_v2.json',
  messaging: 'twilio_messaging_v1.json',
  content: 'twilio_content_v1.json',
};

type Json = Record<string, unknown>;

interface Operation {
  id: string;
  method: string;
  pattern: RegExp;
  queryParams: Json[];
  formSchema?: Json;
  responses: Record<string, Json | undefined>;
}

const specDir = join(dirname(require.resolve('@twilio-alpha/mcp/package.json')), 'twilio-oai', 'spec', 'json');
const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: false, logger: false });
addFormats(ajv);
// Twilio marks paging links `format: uri` yet its own examples (and API) use relative paths
// like "/2010-04-01/Accounts.json?Page=0": accept URI references, as Twilio does.
ajv.addFormat('uri', /^(?:[a-z][a-z0-9+.-]*:\/\/[^\s]+|\/[^\s]*)$/i);
// Twilio-specific formats: shapes we can check cheaply, the rest accepted as strings.
ajv.addFormat('phone-number', /^(\+?\d{2,16}|[a-z]+:.+)$/i);
for (const name of ['uri-map', 'uri-template', 'currency', 'sid', 'twilio-date-time', 'date-time-rfc-2822', 'http-method']) ajv.addFormat(name, true);

const operations = new Map<string, Operation[]>();
const compiled = new Map<string, ValidateFunction>();

function load(product: string): Operation[] {
  const cached = operations.get(product);
  if (cached) return cached;
  const file = SPEC_FILES[product];
  if (!file) return [];
  const spec = JSON.parse(readFileSync(join(specDir, file), 'utf8')) as { paths: Record<string, Record<string, Json>>; components: Json };
  const id = `twilio:${product}`;
  ajv.addSchema({ $id: id, components: spec.components }, id);
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    const pattern = new RegExp('^' + path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+') + '$');
    for (const method of ['get', 'post', 'delete']) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const params = [...((item.parameters as unknown as Json[] | undefined) ?? []), ...((op.parameters as unknown as Json[] | undefined) ?? [])];
      const requestBody = op.requestBody as { content?: Record<string, { schema?: Json }> } | undefined;
      const responses: Record<string, Json | undefined> = {};
      for (const [status, r] of Object.entries((op.responses as Record<string, Json>) ?? {})) {
        const schema = (r.content as Record<string, { schema?: Json }> | undefined)?.['application/json']?.schema;
        responses[status] = schema ? rebase(schema, id) : undefined;
      }
      ops.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        pattern,
        queryParams: params.filter((p) => p.in === 'query').map((p) => rebase(p, id)),
        formSchema: requestBody?.content?.['application/x-www-form-urlencoded']?.schema ? rebase(requestBody.content['application/x-www-form-urlencoded'].schema!, id) : undefined,
        responses,
      });
    }
  }
  operations.set(product, ops);
  return ops;
}

/** Point local `#/components/...` refs at the registered spec schema. */
function rebase<T>(schema: T, id: string): T {
  return JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, `"$ref":"${id}#/`)) as T;
}

function find(product: string, method: string, path: string): Operation | undefined {
  return load(product).find((op) => op.method === method.toUpperCase() && op.pattern.test(path));
}

function validator(key: string, schema: Json): ValidateFunction {
  let fn = compiled.get(key);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(key, fn);
  }
  return fn;
}

/** Form values are strings on the wire: turn them into what the schema says before validating. */
function coerce(value: string | string[], schema: Json | undefined): unknown {
  const type = schema?.type;
  if (type === 'array') return (Array.isArray(value) ? value : [value]).map((v) => coerce(v, schema?.items as Json | undefined));
  const single = Array.isArray(value) ? value[0]! : value;
  if (Array.isArray(value) && value.length > 1) return value;
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(single) ? Number(single) : single;
  if (type === 'boolean') return single === 'true' ? true : single === 'false' ? false : single;
  // Twilio takes object params (Sync Data) as JSON text in the form.
  if (type === 'object') {
    try {
      return JSON.parse(single) as unknown;
    } catch {
      return single;
    }
  }
  return single;
}

function describe(errors: ValidateFunction['errors']): string {
  return (errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}${e.params && 'allowedValues' in e.params ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`).join('; ');
}

export function validateTwilioRequest(req: { method: string; product: string; path: string; query: Record<string, string | string[]>; form: Record<string, string | string[]> }): ContractViolation[] {
  const op = find(req.product, req.method, req.path);
  if (!op) return [{ where: 'request', message: `${req.method} /${req.product}${req.path} is not an operation of Twilio's spec` }];
  const violations: ContractViolation[] = [];

  const querySchema: Json = { type: 'object', additionalProperties: false, properties: {}, required: [] as string[] };
  for (const p of op.queryParams) {
    (querySchema.properties as Json)[p.name as string] = p.schema ?? {};
    if (p.required) (querySchema.required as string[]).push(p.name as string);
  }
  const query: Json = {};
  for (const [k, v] of Object.entries(req.query)) query[k] = coerce(v, ((querySchema.properties as Json)[k] as Json) ?? undefined);
  const checkQuery = validator(`${req.product} ${op.id} query`, querySchema);
  if (!checkQuery(query)) violations.push({ where: 'request', operation: op.id, message: `query: ${describe(checkQuery.errors)}` });

  const hasForm = Object.keys(req.form).length > 0;
  if (op.formSchema) {
    const strict: Json = { ...op.formSchema, additionalProperties: false };
    const props = (op.formSchema.properties as Json) ?? {};
    const form: Json = {};
    for (const [k, v] of Object.entries(req.form)) form[k] = coerce(v, props[k] as Json | undefined);
    const checkForm = validator(`${req.product} ${op.id} form`, strict);
    if (!checkForm(form)) violations.push({ where: 'request', operation: op.id, message: `form: ${describe(checkForm.errors)}` });
  } else if (hasForm) {
    violations.push({ where: 'request', operation: op.id, message: `form: this operation takes no body, got ${Object.keys(req.form).join(', ')}` });
  }
  return violations;
}

const ERROR_SHAPE: Json = {
  type: 'object',
  required: ['code', 'message', 'status'],
  properties: { code: { type: 'integer' }, message: { type: 'string' }, more_info: { type: 'string' }, status: { type: 'integer' } },
};

export function validateTwilioResponse(res: { method: string; product: string; path: string; status: number; body: unknown }): ContractViolation[] {
  const op = find(res.product, res.method, res.path);
  if (!op) return [{ where: 'response', message: `${res.method} /${res.product}${res.path} is not an operation of Twilio's spec` }];
  if (res.status >= 400) {
    const check = validator('twilio error', ERROR_SHAPE);
    return check(res.body) ? [] : [{ where: 'response', operation: op.id, message: `error body: ${describe(check.errors)}` }];
  }
  if (!(String(res.status) in op.responses)) return [{ where: 'response', operation: op.id, message: `status ${res.status} is not a documented answer (${Object.keys(op.responses).join(', ')})` }];
  const schema = op.responses[String(res.status)];
  if (!schema) return [];
  const check = validator(`${res.product} ${op.id} ${res.status}`, schema);
  return check(res.body) ? [] : [{ where: 'response', operation: op.id, message: `body: ${describe(check.errors)}` }];
}
