import { createServer, get, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import express from 'express';
import { expressMessageClasses } from './express-prototypes';

// V8's own check that two objects share a hidden class (what the classes are for).
setFlagsFromString('--allow-natives-syntax');
const haveSameHiddenClass = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

interface Seen {
  req: express.Request;
  res: express.Response;
  prototypeBeforeExpress: object;
}

/** An Express app on a server built like the production one; handlers hold `held` requests open, then answer them all. */
async function serve(held: number): Promise<{ server: Server; app: express.Express; seen: Seen[]; answered: Promise<string[]> }> {
  const app = express();
  const seen: Seen[] = [];
  const before = new WeakMap<object, object>();
  app.use((req, res, next) => {
    Object.assign(req, { addedByMiddleware: true });
    next();
  });
  app.get('/hello', (req, res) => {
    seen.push({ req, res, prototypeBeforeExpress: before.get(req)! });
    if (seen.length === held) for (const s of seen) s.res.json({ host: s.req.get('host'), fromApp: s.req.app === app });
  });
  const server = createServer({ ...expressMessageClasses(app) }, app);
  server.prependListener('request', (req: IncomingMessage) => before.set(req, Object.getPrototypeOf(req) as object));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const answered = Promise.all(
    Array.from({ length: held }, () => new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/hello', agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    })),
  );
  return { server, app, seen, answered };
}

describe('expressMessageClasses', () => {
  it("builds requests and responses with the app's prototypes, so Express re-parents nothing, and its methods and app are there", async () => {
    const { server, app, seen, answered } = await serve(1);
    try {
      expect(JSON.parse((await answered)[0]!)).toEqual({ host: expect.stringMatching(/^127\.0\.0\.1:\d+$/), fromApp: true });
      const [{ req, res, prototypeBeforeExpress }] = seen as [Seen];
      expect(prototypeBeforeExpress).toBe(app.request);
      expect(Object.getPrototypeOf(req)).toBe(app.request);
      expect(Object.getPrototypeOf(res)).toBe(app.response);
      expect(req).toBeInstanceOf(IncomingMessage);
      expect(res).toBeInstanceOf(ServerResponse);
      expect(res.app).toBe(app);
    } finally {
      server.close();
    }
  });

  it('lets requests in flight share one hidden class each for requests and responses, properties added by middleware included', async () => {
    const { server, seen, answered } = await serve(3);
    try {
      await answered;
      const [first, ...others] = seen;
      for (const other of others) {
        expect(haveSameHiddenClass(other.req, first!.req)).toBe(true);
        expect(haveSameHiddenClass(other.res, first!.res)).toBe(true);
      }
    } finally {
      server.close();
    }
  });
});
