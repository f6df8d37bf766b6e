import { PassThrough } from 'node:stream';
import { answerElicitation } from './elicitation';
import { Reporter, Style } from './output';

describe('answerElicitation (a server asking the console user for input)', () => {
  let narrated: string;
  let reporter: Reporter;
  beforeEach(() => {
    narrated = '';
    const stderr = new PassThrough();
    stderr.on('data', (chunk: Buffer) => (narrated += chunk.toString()));
    reporter = new Reporter(stderr, new Style(false));
  });

  it("accepts with the form's defaults (filled in by the SDK) when every required field has one, and shows the message", () => {
    const result = answerElicitation(
      {
        message: 'Please confirm',
        requestedSchema: {
          type: 'object',
          properties: { name: { type: 'string', default: 'John Doe' }, note: { type: 'string' } },
          required: ['name'],
        },
      },
      reporter,
    );
    expect(result).toEqual({ action: 'accept', content: {} });
    expect(narrated).toContain('The server asks: Please confirm');
    expect(narrated).toContain("Accepted with the form's defaults (name)");
  });

  it('declines, naming the field, when a required field has no default (nothing is sent the user did not see)', () => {
    const result = answerElicitation(
      { message: 'Who are you?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
      reporter,
    );
    expect(result).toEqual({ action: 'decline' });
    expect(narrated).toContain('name has none');
  });

  it('declines URL-mode requests: the console client does not open links a server asks for', () => {
    const result = answerElicitation({ mode: 'url', message: 'Link your account', url: 'https://example.com/link', elicitationId: 'e1' }, reporter);
    expect(result).toEqual({ action: 'decline' });
  });
});
