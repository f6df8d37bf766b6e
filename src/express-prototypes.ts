import { IncomingMessage, ServerResponse } from 'node:http';

/** The request and response classes of `http.createServer`'s options. */
export interface HttpMessageClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/** What of an Express application this needs: the prototypes it gives its requests and responses. */
export interface ExpressPrototypes {
  request: object;
  response: object;
}

/**
 * Request and response classes whose instances are born with the prototypes Express gives them.
 *
 * Express re-parents every request and response to its app's `request` and `response`
 * (`Object.setPrototypeOf`) as it dispatches them. V8 does not cache property transitions from an
 * object whose prototype was changed: every property that the router, cookie-parser, passport,
 * pino-http… then add to a request copies its whole property table into a new hidden class of its
 * own, in the old generation: tens of KB per request, garbage for a short request, held for as
 * long as an SSE stream stays open.
 *
 * So the app's `request` and `response` become the prototypes of two subclasses of Node's
 * classes, each inheriting what Express's own did (its request and response methods, `app`), and
 * the HTTP server constructs its requests and responses from them: they are born with the
 * prototype Express sets (its `setPrototypeOf` then changes nothing), share hidden classes, and
 * keep fast properties.
 */
export function expressMessageClasses(app: ExpressPrototypes): HttpMessageClasses {
  class ExpressRequest extends IncomingMessage {}
  class ExpressResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {}
  adopt(ExpressRequest.prototype, app.request);
  adopt(ExpressResponse.prototype, app.response);
  app.request = ExpressRequest.prototype;
  app.response = ExpressResponse.prototype;
  return { IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse };
}

/** Makes `prototype` stand in for `replaced`: the same parent, the same own properties (`app`). */
function adopt(prototype: object, replaced: object): void {
  Object.setPrototypeOf(prototype, Object.getPrototypeOf(replaced) as object | null);
  for (const key of Reflect.ownKeys(replaced)) Object.defineProperty(prototype, key, Object.getOwnPropertyDescriptor(replaced, key)!);
}
