import { formatJson, formatToolResult, formatTools, formatWhoami, Style, useColour } from './output';

const plain = new Style(false);

describe('output', () => {
  it('colours only a TTY, and never with NO_COLOR or TERM=dumb', () => {
    expect(useColour({ isTTY: true }, {})).toBe(true);
    expect(useColour({ isTTY: false }, {})).toBe(false);
    expect(useColour({}, {})).toBe(false);
    expect(useColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColour({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(new Style(true).bold('x')).toBe('\u001b[1mx\u001b[22m');
    expect(plain.bold('x')).toBe('x');
  });

  it('lists tools with their description and arguments', () => {
    const text = formatTools(
      [
        { name: 'get_user_name', description: 'Your display name.', inputSchema: { type: 'object' } },
        {
          name: 'greet',
          description: 'Says hello.',
          inputSchema: { type: 'object', properties: { name: { type: 'string', description: 'Who' } }, required: ['name'] },
        },
      ],
      plain,
    );
    expect(text).toBe(
      ['get_user_name', '  Your display name.', '  arguments: none', '', 'greet', '  Says hello.', '  arguments:', '    name  string, required  Who', ''].join('\n'),
    );
  });

  it('prints a tool result as its text content, one block per line', () => {
    expect(formatToolResult({ content: [{ type: 'text', text: 'Adele Vance' }] })).toBe('Adele Vance\n');
    expect(
      formatToolResult({
        content: [
          { type: 'text', text: 'a' },
          { type: 'image', data: Buffer.from('png!').toString('base64'), mimeType: 'image/png' },
        ],
      }),
    ).toBe('a\n[image: image/png, 4 bytes]\n');
    expect(formatToolResult({ content: [], structuredContent: { name: 'Adele' } })).toBe('{\n  "name": "Adele"\n}\n');
    expect(formatToolResult({ content: [] })).toBe('');
  });

  it('prints JSON alone, pretty, ending with a newline', () => {
    expect(formatJson({ a: 1 })).toBe('{\n  "a": 1\n}\n');
  });

  it('shows whoami as a short card when the tool returns the usual fields', () => {
    const result = {
      content: [{ type: 'text' as const, text: '{}' }],
      structuredContent: { name: 'Adele Vance', preferredUsername: 'adelev@contoso.example', tid: 't-1', oid: 'o-1', clientId: 'c-1', scopes: ['mcp:tools', 'user.read'] },
    };
    expect(formatWhoami(result, plain)).toBe(
      [
        'Signed in as Adele Vance <adelev@contoso.example>',
        '  user id:    o-1',
        '  tenant id:  t-1',
        '  client id:  c-1',
        '  scopes:     mcp:tools user.read',
        '',
      ].join('\n'),
    );
    expect(formatWhoami({ content: [{ type: 'text', text: 'someone' }] }, plain)).toBe('someone\n');
  });
});
