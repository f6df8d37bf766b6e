import { argFields, coerceArg, promptArgs, questionFor } from './tool-args';

const schema = {
  type: 'object',
  properties: {
    verbose: { type: 'boolean', description: 'More detail' },
    name: { type: 'string', description: 'Who' },
    count: { type: 'integer', default: 3 },
    unit: { type: 'string', enum: ['cm', 'in'] },
    tags: { type: ['array', 'null'] },
  },
  required: ['name'],
};

describe('argFields', () => {
  it('lists the schema properties, required first, with their types', () => {
    expect(argFields(schema).map((f) => [f.name, f.type, f.required])).toEqual([
      ['name', 'string', true],
      ['verbose', 'boolean', false],
      ['count', 'integer', false],
      ['unit', 'string', false],
      ['tags', 'array', false],
    ]);
  });

  it('is empty for a tool without arguments', () => {
    expect(argFields({ type: 'object' } as never)).toEqual([]);
    expect(argFields(undefined)).toEqual([]);
  });
});

describe('coerceArg', () => {
  const field = (name: string) => argFields(schema).find((f) => f.name === name)!;

  it.each([
    ['name', 'Adele Vance', 'Adele Vance'],
    ['verbose', 'yes', true],
    ['verbose', 'N', false],
    ['count', '42', 42],
    ['unit', 'cm', 'cm'],
    ['tags', '["a","b"]', ['a', 'b']],
  ])('reads %s = %j as %j', (name, raw, value) => {
    expect(coerceArg(field(name), raw)).toEqual({ ok: true, value });
  });

  it.each([
    ['name', '', 'name is required.'],
    ['verbose', 'maybe', 'verbose must be yes or no.'],
    ['count', '2.5', 'count must be an integer.'],
    ['unit', 'mm', 'unit must be one of "cm", "in".'],
    ['tags', '[oops', 'tags must be JSON (an array).'],
  ])('rejects %s = %j: %s', (name, raw, error) => {
    expect(coerceArg(field(name), raw)).toEqual({ ok: false, error });
  });

  it('skips an empty optional answer and uses the default when there is one', () => {
    expect(coerceArg(field('verbose'), '')).toEqual({ ok: true, skip: true });
    expect(coerceArg(field('count'), '')).toEqual({ ok: true, value: 3 });
  });
});

describe('promptArgs', () => {
  it('asks each argument in turn, again after a bad answer', async () => {
    const answers = ['', 'Adele', 'perhaps', 'y', '', 'in', ''];
    const questions: string[] = [];
    const warnings: string[] = [];
    const args = await promptArgs(
      argFields(schema),
      async (q) => {
        questions.push(q);
        return answers.shift() ?? null;
      },
      (w) => warnings.push(w),
    );
    expect(args).toEqual({ name: 'Adele', verbose: true, count: 3, unit: 'in' });
    expect(warnings).toEqual(['name is required.', 'verbose must be yes or no.']);
    expect(questions[0]).toBe('name (string, required) – Who: ');
  });

  it('gives up when input ends', async () => {
    expect(await promptArgs(argFields(schema), async () => null, () => undefined)).toBeNull();
  });
});

describe('questionFor', () => {
  it('names the type, whether it is needed, the choices and the default', () => {
    const [, , count, unit] = argFields(schema);
    expect(questionFor(count!)).toBe('count (integer, optional, default 3): ');
    expect(questionFor(unit!)).toBe('unit (string, optional, one of "cm", "in"): ');
  });
});
