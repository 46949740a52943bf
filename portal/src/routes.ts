/**
 * The portal's pages, addressed by the URL's hash (`#/devices/cpc-0001`), so any static host can
 * serve the single index.html with no rewrite rules, and a reload or a shared link opens the page.
 */
import { useEffect, useState } from 'react';

export interface Route {
  /** The path's segments: `#/activations/abc` → ['activations', 'abc']. */
  segments: string[];
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  return {
    segments: path
      .split('/')
      .filter((s) => s.length > 0)
      .map((s) => decodeURIComponent(s)),
    query: new URLSearchParams(query),
  };
}

export function href(segments: readonly string[], query?: Record<string, string | undefined>): string {
  const path = segments.map((s) => encodeURIComponent(s)).join('/');
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value) params.set(name, value);
  const search = params.toString();
  return `#/${path}${search ? `?${search}` : ''}`;
}

export function navigate(segments: readonly string[], query?: Record<string, string | undefined>): void {
  window.location.hash = href(segments, query);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
