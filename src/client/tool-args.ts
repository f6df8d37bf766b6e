/** One argument of a tool, read from its JSON Schema `inputSchema`. */
export interface ArgField {
  name: string;
  /** JSON Schema type (`string`, `number`, `integer`, `boolean`, `array`, `object`), or `any`. */
  type: string;
  required: boolean;
  description?: string;
  enum?: unknown[];
  default?: unknown;
}

interface PropertySchema {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  default?: unknown;
}

/** The top-level properties of a tool's input schema, required ones first, in schema order. */
export function argFields(schema: { properties?: Record<string, unknown>; required?: string[] } | undefined): ArgField[] {
  const properties = (schema?.properties ?? {}) as Record<string, PropertySchema>;
  const required = new Set(schema?.required ?? []);
  const fields = Object.entries(properties).map(([name, property]): ArgField => {
    const types = Array.isArray(property?.type) ? property.type.filter((t) => t !== 'null') : [property?.type];
    return {
      name,
      type: types[0] ?? 'any',
      required: required.has(name),
      description: property?.description,
      enum: property?.enum,
      default: property?.default,
    };
  });
  return [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
}

export type Coerced = { ok: true; value: unknown } | { ok: true; skip: true } | { ok: false; error: string };

/** Turns what the user typed for `field` into a JSON value, or says why it does not fit. */
export function coerceArg(field: ArgField, raw: string): Coerced {
  const text = raw.trim();
  if (text === '') {
    if (field.default !== undefined) return { ok: true, value: field.default };
    if (!field.required) return { ok: true, skip: true };
    return { ok: false, error: `${field.name} is required.` };
  }
  let value: unknown;
  switch (field.type) {
    case 'string':
      value = raw;
      break;
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (!Number.isFinite(n) || (field.type === 'integer' && !Number.isInteger(n))) {
        return { ok: false, error: `${field.name} must be ${field.type === 'integer' ? 'an integer' : 'a number'}.` };
      }
      value = n;
      break;
    }
    case 'boolean': {
      const answer = text.toLowerCase();
      if (['y', 'yes', 'true', '1'].includes(answer)) value = true;
      else if (['n', 'no', 'false', '0'].includes(answer)) value = false;
      else return { ok: false, error: `${field.name} must be yes or no.` };
      break;
    }
    default:
      try {
        value = JSON.parse(text);
      } catch {
        if (field.type === 'array' || field.type === 'object') {
          return { ok: false, error: `${field.name} must be JSON (an ${field.type}).` };
        }
        value = raw;
      }
  }
  if (field.enum && !field.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
    return { ok: false, error: `${field.name} must be one of ${field.enum.map((v) => JSON.stringify(v)).join(', ')}.` };
  }
  return { ok: true, value };
}

/** The question shown for `field`, e.g. `count (integer, optional, default 3) – How many: `. */
export function questionFor(field: ArgField): string {
  const facts = [field.type, field.required ? 'required' : 'optional'];
  if (field.enum) facts.push(`one of ${field.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (field.default !== undefined) facts.push(`default ${JSON.stringify(field.default)}`);
  const description = field.description ? ` – ${field.description}` : '';
  return `${field.name} (${facts.join(', ')})${description}: `;
}

/**
 * Asks for each argument in turn (re-asking after a bad answer). `ask` returns
 * null when input ends: the whole prompt is then abandoned (null).
 */
export async function promptArgs(
  fields: ArgField[],
  ask: (question: string) => Promise<string | null>,
  warn: (text: string) => void,
): Promise<Record<string, unknown> | null> {
  const args: Record<string, unknown> = {};
  for (const field of fields) {
    for (;;) {
      const answer = await ask(questionFor(field));
      if (answer === null) return null;
      const coerced = coerceArg(field, answer);
      if (!coerced.ok) {
        warn(coerced.error);
        continue;
      }
      if (!('skip' in coerced)) args[field.name] = coerced.value;
      break;
    }
  }
  return args;
}
