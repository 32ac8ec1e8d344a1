// Loading state for one API read: the data, the API's error and a way to load again.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api/client.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setLoading(true);
    load().then(
      (value) => { if (current) { setData(value); setError(null); setLoading(false); } },
      (thrown) => { if (current) { setError(asApiError(thrown)); setLoading(false); } },
    );
    // A slower, older answer must not overwrite a newer one (typing in the search box).
    return () => { current = false; };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  return { data, error, loading, reload };
}

export function asApiError(thrown: unknown): ApiError {
  return thrown instanceof ApiError ? thrown : new ApiError(0, thrown instanceof Error ? thrown.message : String(thrown));
}

/** `value` once it has stopped changing for `ms` (so typing a search sends one request, not ten). */
export function useSettled<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export interface Action {
  /** Runs `work`; true when it worked. `done` is the notice, or makes it from the result. */
  run<T>(work: () => Promise<T>, done?: string | ((result: T) => string)): Promise<boolean>;
  error: ApiError | null;
  notice: string;
  busy: boolean;
}

/** One user action at a time: its error as the API words it, or a notice once it worked. */
export function useAction(): Action {
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async <T,>(work: () => Promise<T>, done: string | ((result: T) => string) = '') => {
    setBusy(true);
    try {
      const result = await work();
      setError(null);
      setNotice(typeof done === 'string' ? done : done(result));
      return true;
    } catch (thrown) {
      setError(asApiError(thrown));
      setNotice('');
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { run, error, notice, busy };
}
