// Minimal types for the parts of autocannon 9 the benchmark uses (it ships none).
declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
    total: number;
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
    '2xx': number;
    '4xx': number;
    '5xx': number;
  }
  interface RequestParams {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  interface Options {
    url: string;
    /** setupRequest runs before each request: lets a request's body vary. */
    requests?: Array<
      RequestParams & {
        setupRequest?: (request: RequestParams) => RequestParams;
        /** Given, autocannon keeps each answer's body for it. */
        onResponse?: (status: number, body: string) => void;
      }
    >;
    connections?: number;
    duration?: number;
    amount?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    pipelining?: number;
  }
  function autocannon(options: Options): Promise<Result>;
  export = autocannon;
}
