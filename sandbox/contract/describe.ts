/**
 * Ajv errors -> one readable sentence each, naming the field. Values are shown only when
 * short, never for message content, and always with phone numbers masked: violations end
 * up in logs and test output.
 */
import type { ErrorObject } from 'ajv';
import { redactString } from '../../src/core/log';

const CONTENT_FIELDS = /^(?:body|contentvariables|data)$/i;

/** "/messages/0/num_segments" -> "messages[0].num_segments" */
export function fieldName(instancePath: string, child?: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  return parts.reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
}

export function describeValue(field: string, value: unknown): string {
  const last = field.split('.').pop() ?? field;
  if (CONTENT_FIELDS.test(last)) return `a ${kindOf(value)}`;
  const text = JSON.stringify(value);
  if (text === undefined || text.length > 60) return `a ${kindOf(value)}`;
  return `${kindOf(value)} ${redactString(text)}`;
}

function label(subject: string, field: string): string {
  return field ? `${subject} "${field}"` : 'the body';
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** `subject` says what was checked: "form parameter", "query parameter", "response field". */
export function describeError(error: ErrorObject, subject: string): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const field = fieldName(error.instancePath, String(params.missingProperty));
      // Response fields are required only where project-reads.ts or twilio-node's paging needs them.
      return subject === 'response field'
        ? `missing response field "${field}" (read by this project or twilio-node)`
        : `missing required ${subject} "${field}"`;
    }
    case 'additionalProperties':
      return `unknown ${subject} "${fieldName(error.instancePath, String(params.additionalProperty))}" (not in Twilio's spec)`;
    case 'enum': {
      const field = fieldName(error.instancePath);
      // Wire parameters are never null: listing null among a request's choices would mislead.
      const choices = (params.allowedValues as unknown[]).filter((v) => v !== null || subject === 'response field');
      const allowed = choices.map((v) => JSON.stringify(v)).join(', ');
      return `${label(subject, field)} must be one of ${allowed}; got ${describeValue(field, error.data)}`;
    }
    case 'type': {
      const field = fieldName(error.instancePath);
      return `${label(subject, field)} must be ${String(params.type)}; got ${describeValue(field, error.data)}`;
    }
    default:
      return `${label(subject, fieldName(error.instancePath))} ${error.message ?? 'is invalid'}`;
  }
}
