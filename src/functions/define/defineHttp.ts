import { app } from '@azure/functions';
import { services } from '../../compositionRoot';
import { createHttpHandler } from '../../http/httpPipeline';
import type { HttpRouteSpec } from '../../http/routeSpec';
import { durableClientInput } from '../orchestrationClient';
import { register } from '../registry';

export interface DefineHttpOptions {
  /** The route starts orchestrations: in Azure it needs the Durable client binding. */
  durableClient?: boolean;
}

/**
 * Defines an HTTP route once: the contract pipeline wraps its handler, the registry records it,
 * and the Functions host registers it. Function-level keys are off: the app validates tokens itself.
 */
export function defineHttp<P, Q, B>(spec: HttpRouteSpec<P, Q, B>, options: DefineHttpOptions = {}): void {
  const handler = createHttpHandler(spec, services);
  register({
    kind: 'http',
    name: spec.name,
    spec: spec as unknown as HttpRouteSpec<never, never, never>,
    handler,
  });
  app.http(spec.name, {
    methods: [spec.method],
    route: spec.route,
    authLevel: 'anonymous',
    handler,
    ...(options.durableClient ? { extraInputs: [durableClientInput] } : {}),
  });
}
