/** Hooks the pages share: data that refreshes while the page is visible, an element's width. */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { document, type DomElement, watchSize } from "./dom.ts";

/** How often live pages read again. */
export const LIVE_MS = 5_000;

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** When the data was last read. */
  at: Date | undefined;
  reload: () => void;
}

/**
 * Reads `load()` now, whenever `deps` change, and every `everyMs` while the tab is visible and
 * `live` is on. Answers that arrive after a newer read began are dropped.
 */
export function usePoll<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
  everyMs: number | null = LIVE_MS,
): Loaded<T> {
  const [state, setState] = useState<
    { data: T | undefined; error: Error | undefined; loading: boolean; at: Date | undefined }
  >({ data: undefined, error: undefined, loading: true, at: undefined });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) {
          setState({ data, error: undefined, loading: false, at: new Date() });
        }
      },
      (error: Error) => {
        if (!controller.signal.aborted) setState((s) => ({ ...s, error, loading: false }));
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);
  useEffect(() => {
    if (everyMs === null) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") setTick((t) => t + 1);
    }, everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** An element's width in CSS pixels, following its resizes. */
export function useWidth(fallback = 600): [{ current: DomElement | null }, number] {
  const ref = useRef<DomElement | null>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (element === null) return;
    setWidth(Math.round(element.getBoundingClientRect().width) || fallback);
    const watcher = watchSize(element, (entries) => {
      const w = Math.round(entries[0]?.contentRect.width ?? 0);
      if (w > 0) setWidth(w);
    });
    return () => watcher.disconnect();
  }, []);
  return [ref, width];
}

/** The part of the address after `#/`, split on `/`, following changes. */
export function useHashRoute(): string[] {
  const read = () =>
    location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(
      decodeURIComponent,
    );
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
