/**
 * The hub's API, same origin, with the token from sessionStorage as `Authorization: Bearer`.
 * A 401 anywhere forgets the token and sends the user back to the login form.
 */
import { LineSplitter, type WatchEvent } from './lib/ndjson';

const TOKEN_KEY = 'flotilla.token';

export const CLUSTERS = '/apis/clusters.clusternet.io/v1beta1';
export const APPS = '/apis/apps.clusternet.io/v1alpha1';
export const FLEET = '/apis/fleet.flotilla.io/v1alpha1';

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string): void {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(readonly code: number, message: string, readonly reason?: string) {
    super(message);
  }
}

let onUnauthorized: () => void = () => {};

export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token();
  return { Accept: 'application/json', ...(t ? { Authorization: `Bearer ${t}` } : {}), ...extra };
}

async function failure(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let reason: string | undefined;
  try {
    const body = await response.json();
    if (body?.message) message = body.message;
    reason = body?.reason;
  } catch {
    // not a Status
  }
  if (response.status === 401) {
    forgetToken();
    onUnauthorized();
  }
  return new ApiError(response.status, message, reason);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function get<T = any>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: headers(), signal, credentials: 'omit' });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** Checks a token without storing it: 401 → false. */
export async function tokenWorks(candidate: string): Promise<boolean> {
  const response = await fetch(`${CLUSTERS}/managedclusters?limit=1`, {
    headers: { Accept: 'application/json', Authorization: `Bearer ${candidate}` },
    credentials: 'omit',
  });
  if (response.status === 401) return false;
  if (!response.ok && response.status !== 403) throw await failure(response);
  return true;
}

/**
 * Watches with fetch + ReadableStream: each event is handed to onEvent as it arrives. Resolves
 * when the hub ends the stream (its watches time out; the caller watches again), rejects on an
 * HTTP error. Abort the signal to stop.
 */
export async function watch<T>(path: string, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
  const response = await fetch(path, { headers: headers(), signal, credentials: 'omit' });
  if (!response.ok) throw await failure(response);
  if (!response.body) throw new ApiError(0, 'this browser cannot stream responses');
  const reader = response.body.getReader();
  const lines = new LineSplitter<WatchEvent<T>>();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    lines.push(value).forEach(onEvent);
  }
  lines.end().forEach(onEvent);
}
