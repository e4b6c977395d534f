/**
 * Form and query values arrive as strings (repeated keys as arrays). Turn each into what its
 * schema describes, so Ajv checks the value Twilio would parse. A string that does not parse
 * is left as it is: Ajv then reports the type mismatch ("must be integer").
 */
import type { Coercion } from './operations';

export type WireValue = string | string[];

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN = /^(?:true|false)$/i;

export interface Coerced {
  values: Record<string, unknown>;
  /** Parameters sent more than once although the schema takes one value. */
  repeated: string[];
}

export function coerceParameters(wire: Record<string, WireValue>, coercions: Record<string, Coercion>): Coerced {
  const values: Record<string, unknown> = {};
  const repeated: string[] = [];
  for (const [name, value] of Object.entries(wire)) {
    const coercion = coercions[name] ?? 'string';
    if (typeof coercion === 'object') {
      values[name] = (Array.isArray(value) ? value : [value]).map((item) => coerceOne(item, coercion.array));
    } else if (Array.isArray(value) && value.length !== 1) {
      repeated.push(name);
    } else {
      values[name] = coerceOne(Array.isArray(value) ? value[0]! : value, coercion);
    }
  }
  return { values, repeated };
}

function coerceOne(value: string, coercion: Coercion): unknown {
  switch (coercion) {
    case 'integer':
      return INTEGER.test(value) ? Number(value) : value;
    case 'number':
      return NUMBER.test(value) ? Number(value) : value;
    case 'boolean':
      return BOOLEAN.test(value) ? value.toLowerCase() === 'true' : value;
    case 'object':
      // Twilio takes object parameters (Sync Data) as JSON text.
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    default:
      return value;
  }
}
