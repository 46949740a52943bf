/**
 * Every answer only Azure can give, given here instead, the same way every run: the one place the
 * infra tests stand in for Azure. Each stand-in has the shape of Azure's answer (a GUID, 13
 * characters of [a-z0-9], a host name in the service's own domain), so that names and settings
 * built from it meet the same rules and validation they will meet in Azure; none has Azure's value.
 */
import { createHash } from 'node:crypto';

/** The subscription `azd provision` deploys to: `subscription().subscriptionId`. */
export const standInSubscriptionId = '2d4f6a8c-0e1b-4c3d-9e5f-7a9b1c3d5e7f';
/** The deploying subscription's tenant: `tenant().tenantId`. */
export const standInTenantId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
/** AUTH_AUDIENCE: the client id of the app registration infra/scripts/preprovision.sh makes. */
export const standInAudience = '8c2d9b4e-1f3a-4c5d-8e6f-7a8b9c0d1e2f';
/** AZURE_PRINCIPAL_ID: the object id of the user who runs `azd provision`. */
export const standInDeployerId = '4e6a8c0b-2d4f-4a6c-8e0a-2c4e6a8c0b2d';

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * `uniqueString(...)`: Azure hashes its arguments (MurmurHash64, base32) to 13 characters of
 * [a-z2-7]; this is another hash, of the same shape and as stable.
 */
export function uniqueString(...args: string[]): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return [...sha256(`uniqueString:${args.join('-')}`).subarray(0, 13)].map((b) => alphabet[b % 32]).join('');
}

/** `guid(...)`: Azure hashes its arguments to a GUID; this is another hash, of the same shape. */
export function guid(...args: string[]): string {
  const hex = sha256(`guid:${args.join('-')}`).toString('hex');
  // Version 5 and the RFC 4122 variant, as a name-based GUID has.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A GUID Azure assigns to a resource when it creates it (an identity's client id, a profile's id). */
function assigned(what: string, resourceId: string): string {
  return guid('assigned', what, resourceId.toLowerCase());
}

/** `subscription()`. */
export function subscription(subscriptionId: string): Record<string, string> {
  return {
    id: `/subscriptions/${subscriptionId}`,
    subscriptionId,
    tenantId: standInTenantId,
    displayName: 'stand-in subscription',
  };
}

/** `tenant()`. */
export function tenant(): Record<string, string> {
  return { tenantId: standInTenantId, countryCode: 'US', displayName: 'stand-in tenant' };
}

/** `environment()`: Azure's public cloud, where `azd up` deploys (its documented endpoints). */
export const publicCloud = {
  name: 'AzureCloud',
  resourceManager: 'https://management.azure.com/',
  authentication: {
    loginEndpoint: 'https://login.microsoftonline.com/',
    audiences: ['https://management.core.windows.net/', 'https://management.azure.com/'],
    tenant: 'common',
  },
  suffixes: { storage: 'core.windows.net', keyvaultDns: '.vault.azure.net' },
};

/** A deployed resource as `runtimeProperties` needs it. */
export interface Deployed {
  type: string;
  /** Its full name: `account/default/container` for a child resource. */
  name: string;
  id: string;
  location?: string;
}

/**
 * What `reference()` of a deployed resource returns beyond the properties its template declares:
 * what Azure assigns when it creates the resource, by type. Types not listed here get nothing more,
 * so that reading any other run-time property fails the test.
 */
export function runtimeProperties(resource: Deployed): Record<string, unknown> {
  const name = resource.name.split('/').pop()!;
  switch (resource.type.toLowerCase()) {
    case 'microsoft.managedidentity/userassignedidentities':
      return {
        principalId: assigned('principalId', resource.id),
        clientId: assigned('clientId', resource.id),
        tenantId: standInTenantId,
      };
    case 'microsoft.storage/storageaccounts':
      return {
        primaryEndpoints: {
          ...Object.fromEntries(
            ['blob', 'queue', 'table', 'file', 'dfs'].map((service) => [
              service,
              `https://${name}.${service}.${publicCloud.suffixes.storage}/`,
            ]),
          ),
          // The static website's endpoint carries a zone Azure picks: z1 to z99 (storage-blob-static-website).
          web: `https://${name}.z6.web.${publicCloud.suffixes.storage}/`,
        },
      };
    case 'microsoft.web/sites':
      return { defaultHostName: `${name}.azurewebsites.net` };
    case 'microsoft.documentdb/databaseaccounts':
      return { documentEndpoint: `https://${name}.documents.azure.com:443/` };
    case 'microsoft.servicebus/namespaces':
      return { serviceBusEndpoint: `https://${name}.servicebus.windows.net:443/` };
    case 'microsoft.insights/components': {
      const key = assigned('instrumentationKey', resource.id);
      return {
        InstrumentationKey: key,
        ConnectionString: `InstrumentationKey=${key};IngestionEndpoint=https://${resource.location}-0.in.applicationinsights.azure.com/;ApplicationId=${assigned('applicationId', resource.id)}`,
      };
    }
    case 'microsoft.operationalinsights/workspaces':
      return { customerId: assigned('customerId', resource.id) };
    case 'microsoft.cdn/profiles':
      return { frontDoorId: assigned('frontDoorId', resource.id) };
    case 'microsoft.cdn/profiles/afdendpoints':
      return { hostName: `${name}-${uniqueString(resource.id)}.z01.azurefd.net` };
    default:
      return {};
  }
}
