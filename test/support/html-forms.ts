/**
 * Reads the forms of this server's (and the emulator's) server-rendered pages, so e2e tests
 * that play the browser over HTTP can submit them as a click would.
 */

export interface HtmlForm {
  /** Absolute URL the form submits to. */
  action: URL;
  method: 'GET' | 'POST';
  /** Named `<input>` fields with their values (hidden fields included). */
  fields: Record<string, string>;
  /** Submit buttons: accessible label (text content or aria-label), name and value. */
  buttons: { label: string; name?: string; value?: string }[];
}

function attr(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  const raw = match ? (match[2] ?? match[3] ?? match[4]) : undefined;
  return raw === undefined ? undefined : decodeEntities(raw);
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * The forms of a server-rendered page (simple markup: no scripts, buttons
 * inside their form or linked with `form="id"`). Enough for our own pages.
 */
export function parseForms(html: string, pageUrl: string | URL): HtmlForm[] {
  const forms: HtmlForm[] = [];
  const formRe = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
  for (let match = formRe.exec(html); match; match = formRe.exec(html)) {
    const [, tagAttrs, inner] = match as unknown as [string, string, string];
    const id = attr(` ${tagAttrs}`, 'id');
    // Buttons outside the form that name it with form="id" belong to it too.
    const outside = id ? [...html.matchAll(new RegExp(`<button\\b[^>]*\\sform\\s*=\\s*["']${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["'][^>]*>[\\s\\S]*?</button>`, 'gi'))].map((m) => m[0]) : [];
    const fields: Record<string, string> = {};
    for (const input of inner.match(/<input\b[^>]*>/gi) ?? []) {
      const name = attr(input, 'name');
      const type = (attr(input, 'type') ?? 'text').toLowerCase();
      if (!name || type === 'submit' || ((type === 'checkbox' || type === 'radio') && !/\schecked\b/i.test(input))) continue;
      fields[name] = attr(input, 'value') ?? (type === 'checkbox' ? 'on' : '');
    }
    const buttons = [...(inner.match(/<button\b[^>]*>[\s\S]*?<\/button>/gi) ?? []), ...outside]
      .filter((button) => (attr(button, 'type') ?? 'submit').toLowerCase() === 'submit')
      .map((button) => {
        const open = /^<button\b[^>]*>/i.exec(button)![0];
        const text = decodeEntities(button.slice(open.length, -'</button>'.length).replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim());
        return { label: attr(open, 'aria-label') ?? text, name: attr(open, 'name'), value: attr(open, 'value') };
      });
    forms.push({
      action: new URL(attr(` ${tagAttrs}`, 'action') ?? '', pageUrl),
      method: (attr(` ${tagAttrs}`, 'method') ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET',
      fields,
      buttons,
    });
  }
  return forms;
}

/** The form that has a submit button labelled `label`, and that button. Throws (listing what exists) when none. */
export function formWithButton(html: string, pageUrl: string | URL, label: string): { form: HtmlForm; button: HtmlForm['buttons'][number] } {
  const forms = parseForms(html, pageUrl);
  for (const form of forms) {
    const button = form.buttons.find((b) => b.label === label);
    if (button) return { form, button };
  }
  const labels = forms.flatMap((f) => f.buttons.map((b) => b.label));
  throw new Error(`no button "${label}" on the page (buttons: ${labels.join(', ') || 'none'})`);
}

/** Request options that submit `form` with `button` (its name=value is sent, like a click), plus overrides. */
export function formSubmission(form: HtmlForm, button?: HtmlForm['buttons'][number], overrides: Record<string, string> = {}): { url: URL; init: RequestInit } {
  const data = new URLSearchParams({ ...form.fields, ...(button?.name ? { [button.name]: button.value ?? '' } : {}), ...overrides });
  if (form.method === 'GET') {
    const url = new URL(form.action);
    url.search = data.toString();
    return { url, init: { method: 'GET' } };
  }
  return {
    url: form.action,
    init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: data.toString() },
  };
}
