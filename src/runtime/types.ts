/**
 * @module The contract between the agent and the JavaScript runtime it runs on.
 *
 * Everything that differs between Node, Deno and Bun (env, files, signals, HTTP
 * servers, TLS-aware fetch, process facts) is reached through a {@link Runtime}.
 * Only `src/runtime/` may touch `process`, `Deno` or `Bun`; the rest of the code
 * takes a Runtime (or a narrower piece of it) as an argument, so unit tests pass
 * fakes and the executables pass the real thing.
 */

/** A `fetch`-compatible function; ky and every HTTP caller take one of these. */
export type FetchFn = (input: Request | URL | string, init?: RequestInit) => Promise<Response>;

/** How to reach one server: TLS trust, client credentials, proxy. */
export interface FetchOptions {
	/** PEM bundle trusted instead of the system roots. */
	readonly ca?: string | undefined;
	/** PEM client certificate (mutual TLS). */
	readonly cert?: string | undefined;
	/** PEM private key for {@link cert}. */
	readonly key?: string | undefined;
	/** Skip server certificate verification (kubeconfig `insecure-skip-tls-verify`). */
	readonly insecureSkipTlsVerify?: boolean | undefined;
	/** TLS server name to verify instead of the URL host. */
	readonly servername?: string | undefined;
	/** Proxy URL: `http://host:port` (or `tcp://`): plain forward for http targets, CONNECT for https. */
	readonly proxy?: string | undefined;
	/**
	 * Hand bodies over as they arrive, without Content-Encoding decoding. For IMDS: its bodies are
	 * capped while they stream in, and a fetch that inflates gzip first would have decoded a 50 MB
	 * bomb before the cap saw a byte (Bun: +95 MiB measured). node-fetch.ts never decodes; Bun's
	 * fetch takes `decompress: false`; Deno's fetch always decodes (Deno is a check target only).
	 */
	readonly rawBody?: boolean | undefined;
}

/** A request handler in the Web standard shape (`app.fetch` style). */
export type HttpHandler = (request: Request) => Response | Promise<Response>;

export interface ServeOptions {
	/** Port to bind; 0 picks a free one (see {@link Server.port}). */
	readonly port: number;
	/** Address to bind. @default "0.0.0.0" */
	readonly hostname?: string | undefined;
	/** Aborting it closes the server. */
	readonly signal?: AbortSignal | undefined;
}

export interface Server {
	/** The bound port (useful when 0 was asked). */
	readonly port: number;
	close(): Promise<void>;
}

export interface ResourceUsage {
	readonly rssBytes: number;
	readonly heapUsedBytes: number;
	/** User + system CPU time of the process, in seconds. */
	readonly cpuSeconds: number;
}

export type RuntimeName = 'node' | 'deno' | 'bun' | 'llrt';

export interface Runtime {
	readonly name: RuntimeName;
	/** Runtime version, e.g. "24.21.0". */
	readonly version: string;
	/** A snapshot of the environment. */
	env(): Readonly<Record<string, string | undefined>>;
	/** Command-line arguments after the executable (and script, when there is one). */
	args(): readonly string[];
	readTextFile(path: string): Promise<string>;
	/** Modification time of a file, or undefined when it cannot be read. */
	modifiedTimeMs(path: string): Promise<number | undefined>;
	writeStdout(text: string): void;
	writeStderr(text: string): void;
	/** Registers a signal handler; returns a function that removes it. */
	onSignal(signal: 'SIGTERM' | 'SIGINT', handler: () => void): () => void;
	/** Ends the process. Only `main.ts` calls it. */
	exit(code: number): never;
	serve(handler: HttpHandler, options: ServeOptions): Promise<Server>;
	/** A fetch that honours the given TLS trust, client certificate and proxy. */
	createFetch(options?: FetchOptions): FetchFn;
	hostname(): string;
	resourceUsage(): ResourceUsage;
}
