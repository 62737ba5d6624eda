import type { AwsCall } from '../http/aws-call';
import { jsonInput } from '../http/protocols';

/** A REST route: method and a path pattern with `{Label}` segments. */
export interface RestRoute<T> {
  readonly method: string;
  readonly pattern: string;
  readonly operation: string;
  readonly run: (call: AwsCall, labels: Record<string, string>, body: Record<string, unknown>) => Promise<T> | T;
}

/** Finds the route for a call and decodes its path labels. */
export function matchRoute<T>(routes: readonly RestRoute<T>[], call: AwsCall): { route: RestRoute<T>; labels: Record<string, string> } | undefined {
  const segments = call.path.split('/');
  for (const route of routes) {
    if (route.method !== call.method) continue;
    const parts = route.pattern.split('/');
    if (parts.length !== segments.length) continue;
    const labels: Record<string, string> = {};
    const matched = parts.every((part, i) => {
      const label = /^\{(\w+)\}$/.exec(part);
      if (label) {
        labels[label[1]] = decodeURIComponent(segments[i]);
        return segments[i].length > 0;
      }
      return part === segments[i];
    });
    if (matched) return { route, labels };
  }
  return undefined;
}

export function restBody(call: AwsCall): Record<string, unknown> {
  return call.method === 'GET' || call.method === 'DELETE' || call.method === 'HEAD' ? {} : jsonInput(call.body);
}
