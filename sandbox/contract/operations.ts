/**
 * The operation table of one Twilio product, built once from its OpenAPI spec: path
 * matchers, parameter and body schemas (normalized, refs pointing at the product's
 * components document registered in Ajv) and response schemas per status code.
 * Validators are compiled on first use of an operation and kept on it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { allowNullInEnumComponents, dereference, normalizeSchema, type Json } from './normalize';
import { FIELDS_THE_PROJECT_READS } from './project-reads';
import { serverlessUploadPaths } from './serverless-upload';

/** Product (first path segment of the client factory's rewritten URLs) -> spec file. */
export const SPEC_FILES: Record<string, string> = {
  api: 'twilio_api_v2010.json',
  sync: 'twilio_sync_v1.json',
  lookups: 'twilio_lookups_v2.json',
  messaging: 'twilio_messaging_v1.json',
  content: 'twilio_content_v1.json',
  serverless: 'twilio_serverless_v1.json',
  // The upload host (Function and Asset Versions): not in the spec's paths, see serverless-upload.ts.
  'serverless-upload': 'twilio_serverless_v1.json',
};

/** How a wire string becomes the value the schema describes. */
export type Coercion = 'string' | 'integer' | 'number' | 'boolean' | 'object' | { array: Coercion };

export interface BodySchema {
  schema: Json;
  /** Form bodies arrive as strings; JSON bodies are checked as they are. */
  form: boolean;
  coercions: Record<string, Coercion>;
}

export interface Operation {
  /** Twilio's operationId, e.g. CreateMessage. */
  name: string;
  method: string;
  template: string;
  matcher: RegExp;
  pathParamNames: string[];
  pathSchema: Json;
  querySchema: Json;
  queryCoercions: Record<string, Coercion>;
  body?: BodySchema;
  /** Twilio's x-twilio.conditional: at least one parameter of each group must be sent. */
  oneOfEachRequired: string[][];
  responses: Record<string, Json | undefined>;
  compiled: Map<string, ValidateFunction>;
}

export interface ProductSpec {
  product: string;
  operations: Operation[];
}

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

export function specDirectory(): string {
  return join(dirname(require.resolve('@twilio-alpha/mcp/package.json')), 'twilio-oai', 'spec', 'json');
}

/** Reads, normalizes and registers one product's spec. Called once per product. */
export function loadProduct(ajv: Ajv, product: string): ProductSpec | undefined {
  const file = SPEC_FILES[product];
  if (!file) return undefined;
  const raw = JSON.parse(readFileSync(join(specDirectory(), file), 'utf8')) as {
    paths: Record<string, Json>;
    components: Json;
  };
  const documentId = `https://contract.local/twilio/${product}.json`;
  const components = normalizeSchema(raw.components, documentId) as Json;
  allowNullInEnumComponents(components);
  requireFieldsTheProjectReads(components, product);
  const document: Json = { $id: documentId, components };
  ajv.addSchema(document);

  const paths = product === 'serverless-upload' ? serverlessUploadPaths(raw.paths) : raw.paths;
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (op) operations.push(buildOperation(template, method.toUpperCase(), op, documentId, document));
    }
  }
  // A literal segment beats a {Param} in the same place: fewer params first.
  operations.sort((a, b) => a.pathParamNames.length - b.pathParamNames.length);
  return { product, operations };
}

function requireFieldsTheProjectReads(components: Json, product: string): void {
  const schemas = (components.schemas ?? {}) as Record<string, Json>;
  for (const [name, fields] of Object.entries(FIELDS_THE_PROJECT_READS[product] ?? {})) {
    const schema = schemas[name];
    if (!schema) throw new Error(`contract: ${product} spec has no schema ${name} (see project-reads.ts)`);
    schema.required = [...new Set([...((schema.required as string[] | undefined) ?? []), ...fields])];
  }
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Json;
}

function buildOperation(template: string, method: string, op: Json, documentId: string, document: Json): Operation {
  const parameters = ((op.parameters as Parameter[] | undefined) ?? []).map((p) => ({
    ...p,
    schema: normalizeSchema(p.schema ?? {}, documentId) as Json,
  }));
  const pathParamNames = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const matcher = new RegExp(
    '^' +
      template
        .split(/\{[^}]+\}/)
        .map(escapeRegExp)
        .join('([^/]+?)') +
      '$',
  );

  const objectOf = (params: Parameter[]): Json => ({
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(params.map((p) => [p.name, p.schema ?? {}])),
    required: params.filter((p) => p.required).map((p) => p.name),
  });
  const pathParams = parameters.filter((p) => p.in === 'path');
  const queryParams = parameters.filter((p) => p.in === 'query');

  const body = bodySchema(op, documentId, document);
  const responses: Record<string, Json | undefined> = {};
  for (const [status, response] of Object.entries((op.responses as Record<string, Json> | undefined) ?? {})) {
    const schema = (response.content as Record<string, { schema?: Json }> | undefined)?.['application/json']?.schema;
    responses[status] = schema ? requireListEnvelope(normalizeSchema(schema, documentId) as Json) : undefined;
  }

  return {
    name: typeof op.operationId === 'string' ? op.operationId : `${method} ${template}`,
    method,
    template,
    matcher,
    pathParamNames,
    pathSchema: objectOf(pathParams),
    querySchema: objectOf(queryParams),
    queryCoercions: Object.fromEntries(queryParams.map((p) => [p.name, coercionOf(p.schema, documentId, document)])),
    body,
    oneOfEachRequired: conditionalGroups(op, body),
    responses,
    compiled: new Map(),
  };
}

function bodySchema(op: Json, documentId: string, document: Json): BodySchema | undefined {
  const content = (op.requestBody as { content?: Record<string, { schema?: Json }> } | undefined)?.content;
  if (!content) return undefined;
  const form = content['application/x-www-form-urlencoded']?.schema;
  const json = content['application/json']?.schema;
  const source = form ?? json;
  if (!source) return undefined;
  const schema = dereference(normalizeSchema(source, documentId) as Json, documentId, document) ?? {};
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  return {
    // Twilio's spec tolerates unknown parameters; a typo in ours must fail.
    schema: { ...schema, additionalProperties: false },
    form: form !== undefined,
    coercions: Object.fromEntries(
      Object.entries(properties).map(([name, s]) => [name, coercionOf(s, documentId, document)]),
    ),
  };
}

/** ["from", "messaging_service_sid"] -> ["From", "MessagingServiceSid"], named as the body names them. */
function conditionalGroups(op: Json, body: BodySchema | undefined): string[][] {
  const groups = ((op['x-twilio'] as Json | undefined)?.conditional as string[][] | undefined) ?? [];
  const names = Object.keys(body?.coercions ?? {});
  const byLooseName = new Map(names.map((name) => [name.toLowerCase(), name]));
  return groups.map((group) => group.map((snake) => byLooseName.get(snake.replace(/_/g, '').toLowerCase()) ?? snake));
}

function coercionOf(schema: Json | undefined, documentId: string, document: Json): Coercion {
  const resolved = dereference(schema, documentId, document);
  switch (resolved?.type) {
    case 'integer':
    case 'number':
    case 'boolean':
    case 'object':
      return resolved.type;
    case 'array':
      return { array: coercionOf(resolved.items as Json | undefined, documentId, document) };
    default:
      return 'string';
  }
}

/**
 * twilio-node pages with what a list answer carries: the records under their key and the
 * next page link (`meta.next_page_url` in v1/v2 APIs, `next_page_uri` in v2010). A stand-in
 * that drops them breaks paging silently, so they are required.
 */
function requireListEnvelope(schema: Json): Json {
  const properties = schema.properties as Record<string, Json> | undefined;
  if (schema.type !== 'object' || !properties) return schema;
  const records = Object.entries(properties).find(([, s]) => s.type === 'array')?.[0];
  if (!records) return schema;
  if (properties.meta) {
    return {
      ...schema,
      required: [records, 'meta'],
      properties: { ...properties, meta: { ...properties.meta, required: ['key', 'next_page_url'] } },
    };
  }
  if (properties.next_page_uri) return { ...schema, required: [records, 'next_page_uri'] };
  return schema;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
