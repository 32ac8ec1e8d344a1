// The slice of autocannon 9 the replay uses (the package ships no types).
declare module 'autocannon' {
  interface RequestData {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    [option: string]: unknown;
  }

  interface RequestStep {
    /** Called before each request is written. With a single step, each request gets a fresh context (shaped by the caller). */
    setupRequest?: (request: RequestData, context: any) => RequestData;
    /** Called when the answer is complete, before the next request of that connection is built. */
    onResponse?: (status: number, body: string, context: any, headers: Record<string, string | string[]>) => void;
  }

  /** One connection. `requestIterator.context` (internal to autocannon 9: pin the major version) is the context of its current request. */
  interface Client {
    readonly requestIterator: { readonly context: Record<string, unknown> };
  }

  interface Options {
    url: string;
    connections: number;
    duration: number;
    pipelining?: number;
    /** Seconds before an unanswered request counts as a timeout. */
    timeout?: number;
    requests?: RequestStep[];
    /** Called with each connection's client as it is made. */
    setupClient?: (client: Client) => void;
  }

  interface Instance {
    on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): Instance;
    stop(): void;
  }

  function autocannon(options: Options, callback: (error: Error | null) => void): Instance;
  export default autocannon;
  export type { Client };
}
