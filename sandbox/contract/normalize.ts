/**
 * Turns OpenAPI 3.0 schema text into JSON Schema that Ajv checks the way Twilio means it:
 * - `nullable: true` next to `enum` adds null to the enum (Ajv's nullable only widens `type`);
 * - `nullable` without `type` is dropped (anything goes there already, null included);
 * - local `#/components/...` refs point at the product's registered components document,
 *   so an operation's inline schema compiles on its own;
 * - a format Twilio marks `x-twilio.ignoreFormat` is not checked;
 * - descriptions, examples and x-twilio annotations are dropped (less to keep in memory).
 */
export type Json = Record<string, unknown>;

const DROPPED = new Set(['description', 'example', 'examples', 'title', 'x-twilio']);

export function normalizeSchema(schema: unknown, documentId: string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => normalizeSchema(item, documentId));
  if (schema === null || typeof schema !== 'object') return schema;
  const source = schema as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (DROPPED.has(key) || key.startsWith('x-')) continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) out.$ref = documentId + value;
    else if (key === 'properties' && value && typeof value === 'object') {
      // Property names are data, not keywords: never drop one called "description" or "title".
      const properties: Json = {};
      for (const [name, property] of Object.entries(value as Json))
        properties[name] = normalizeSchema(property, documentId);
      out.properties = properties;
    } else out[key] = normalizeSchema(value, documentId);
  }
  // Twilio marks some formats as not enforced (MediaUrl items): neither do we.
  if ((source['x-twilio'] as Json | undefined)?.ignoreFormat === true) delete out.format;
  const values: unknown[] | undefined = Array.isArray(out.enum) ? out.enum : undefined;
  if (out.nullable === true && values && !values.includes(null)) out.enum = [...values, null];
  if ('nullable' in out && out.type === undefined) delete out.nullable;
  return out;
}

/**
 * Twilio's enum components (`message_enum_status`, ...) are not marked nullable, yet its own
 * examples answer null in such fields (a conference's `reason_conference_ended`, a brand's
 * `identity_status`). Accept null there. Harmless for requests: a form value is never null.
 */
export function allowNullInEnumComponents(components: Json): void {
  for (const [name, schema] of Object.entries((components.schemas ?? {}) as Record<string, Json>)) {
    const values: unknown[] | undefined = Array.isArray(schema.enum) ? schema.enum : undefined;
    if (name.includes('_enum_') && values && !values.includes(null)) {
      schema.enum = [...values, null];
      if (typeof schema.type === 'string') schema.nullable = true;
    }
  }
}

/** Follows a `<documentId>#/a/b` ref inside `document`; undefined when it leads nowhere. */
export function resolveRef(ref: string, documentId: string, document: Json): Json | undefined {
  if (!ref.startsWith(documentId + '#/')) return undefined;
  let node: unknown = document;
  for (const part of ref.slice(documentId.length + 2).split('/')) {
    node = node && typeof node === 'object' ? (node as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return node && typeof node === 'object' ? (node as Json) : undefined;
}

/** The schema itself, or what its top-level `$ref` points at (one level is all Twilio uses). */
export function dereference(schema: Json | undefined, documentId: string, document: Json): Json | undefined {
  if (!schema || typeof schema.$ref !== 'string') return schema;
  return resolveRef(schema.$ref, documentId, document);
}
