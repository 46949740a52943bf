/** The device routes' shapes, as the generated API types give them. */
import type { paths } from '../../api/schema';

type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never;

export type DeviceListPage = Json<paths['/api/tenants/{tenantId}/devices']['get']['responses'][200]>;
export type DeviceListItem = DeviceListPage['items'][number];
export type Device = Json<paths['/api/tenants/{tenantId}/devices/{deviceId}']['get']['responses'][200]>;
export type RestorePoint = Json<
  paths['/api/tenants/{tenantId}/devices/{deviceId}/restore-points']['get']['responses'][200]
>['items'][number];
export type RequestedPoint = Json<
  paths['/api/tenants/{tenantId}/devices/{deviceId}/restore-points']['post']['responses'][202]
>;
export type ImportAnswer = Json<paths['/api/tenants/{tenantId}/device-imports']['post']['responses'][200]>;
