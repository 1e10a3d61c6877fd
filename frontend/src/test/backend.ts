/**
 * A fake Grafana backend for tests: `setBackendSrv` with a `fetch` that answers by URL, like Grafana's
 * /api/datasources/uid/<uid>/resources/<route> and /api/ds/query would.
 */
import { BackendSrv, BackendSrvRequest, FetchResponse, setBackendSrv } from '@grafana/runtime';
import { Observable, of, throwError } from 'rxjs';

export type Handler = (request: BackendSrvRequest) => unknown;

/** A failure as Grafana's fetch reports it: status plus the decoded body. */
export class FetchFailure {
  constructor(
    public status: number,
    public data: unknown
  ) {}
}

export interface FakeBackend {
  fetch: jest.Mock<Observable<FetchResponse>, [BackendSrvRequest]>;
  get: jest.Mock<Promise<unknown>, [string, unknown?]>;
  /** The bodies sent to a URL ending in `suffix`, oldest first. */
  bodies(suffix: string): unknown[];
}

/** Routes are matched by the end of the URL path (`resources/translate`, `api/ds/query`, `health`). */
export function mockBackend(routes: Record<string, Handler>): FakeBackend {
  const answer = (request: BackendSrvRequest): Observable<FetchResponse> => {
    const path = request.url.split('?')[0];
    const key = Object.keys(routes).find((suffix) => path.endsWith(suffix));
    if (!key) {
      return throwError(() => ({ status: 404, data: { message: `no route for ${path}` } }));
    }
    let body: unknown;
    try {
      body = routes[key](request);
    } catch (e) {
      return throwError(() => e);
    }
    if (body instanceof FetchFailure) {
      return throwError(() => ({ status: body.status, data: body.data, config: request }));
    }
    return of({
      data: body,
      status: 200,
      statusText: 'OK',
      ok: true,
      headers: new Headers(),
      redirected: false,
      type: 'basic',
      url: request.url,
      config: request,
    } as FetchResponse);
  };
  const fetch = jest.fn(answer);
  const get = jest.fn(async (url: string) => {
    const key = Object.keys(routes).find((suffix) => url.endsWith(suffix));
    if (!key) {
      throw { status: 404, data: { message: `no route for ${url}` } };
    }
    const body = routes[key]({ url });
    if (body instanceof FetchFailure) {
      throw { status: body.status, data: body.data };
    }
    return body;
  });
  setBackendSrv({ fetch, get } as unknown as BackendSrv);
  return {
    fetch,
    get,
    bodies: (suffix) => fetch.mock.calls.filter(([r]) => r.url.split('?')[0].endsWith(suffix)).map(([r]) => r.data),
  };
}
