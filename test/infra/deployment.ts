/**
 * The deployment as the infra tests see it: every Bicep file under infra/, and the app settings of
 * a control-plane region evaluated with realistic stand-ins for what only Azure knows.
 */
import { asObject, BicepFile, literal, type BicepObject } from './bicepFile';
import { evaluateBicep, fileScope, uniqueStringStandIn } from './evaluateBicep';

export const main = BicepFile.read('main.bicep');
export const controlPlane = BicepFile.read('modules/controlPlane.bicep');
export const cosmos = BicepFile.read('modules/cosmos.bicep');
export const regionStorage = BicepFile.read('modules/regionStorage.bicep');
export const frontDoor = BicepFile.read('modules/frontDoor.bicep');
export const frontDoorOrigins = BicepFile.read('modules/frontDoorOrigins.bicep');
export const gather = BicepFile.read('modules/gather.bicep');
export const modules = [
  controlPlane,
  cosmos,
  regionStorage,
  frontDoor,
  frontDoorOrigins,
  gather,
  BicepFile.read('modules/identity.bicep'),
  BicepFile.read('modules/logAnalytics.bicep'),
];
export const allFiles = [main, ...modules];

/** The Function App's settings as declared: name → Bicep expression. */
export const appSettings: BicepObject = asObject(controlPlane.variable('appSettings'), 'appSettings');

/** Region names among the longest Azure has: names built from them must still fit. */
export const longRegions = [
  'australiasoutheast',
  'germanywestcentral',
  'southafricanorth',
  'switzerlandnorth',
  'southcentralus',
  'brazilsoutheast',
];

export const standInClientId = '3f0e7c1a-5a1e-4f0e-9d8e-0c1b2a3d4e5f';
export const standInAudience = '8c2d9b4e-1f3a-4c5d-8e6f-7a8b9c0d1e2f';
/** A Front Door profile's id, as Azure assigns it and Front Door sends it in X-Azure-FDID. */
export const standInFrontDoorId = '5b7d1e2a-9c3f-4a6b-8d0e-1f2a3b4c5d6e';
/** The deploying subscription's tenant, `tenant().tenantId`. */
export const standInTenantId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

/** What main.bicep passes by default, evaluated as Azure's public cloud would. */
export function mainDefault(param: string): string {
  const declaration = main.param(param);
  if (typeof declaration?.value !== 'string') throw new Error(`main.bicep has no default for ${param}`);
  return evaluateBicep(declaration.value, (reference) =>
    reference === 'environment().authentication.loginEndpoint'
      ? 'https://login.microsoftonline.com/'
      : undefined,
  );
}

/**
 * The settings a control-plane Function App in `region` gets, evaluated: main.bicep's defaults for
 * what it passes through, stand-ins for identities and endpoints Azure assigns.
 */
export function evaluatedAppSettings(
  region: string,
  storageRegions: readonly string[],
): Record<string, string> {
  const inputs: Record<string, string> = {
    location: region,
    resourceToken: uniqueStringStandIn,
    identityClientId: standInClientId,
    authAudience: standInAudience,
    frontDoorId: standInFrontDoorId,
    'tenant().tenantId': standInTenantId,
    cosmosEndpoint: `https://cosmos-${uniqueStringStandIn}.documents.azure.com:443/`,
    regionStorage: JSON.stringify(
      Object.fromEntries(
        storageRegions.map((r) => [r, `https://stdata${r.slice(0, 13)}.blob.core.windows.net/`]),
      ),
    ),
    'appInsights.properties.ConnectionString':
      'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://example.in.applicationinsights.azure.com/',
  };
  for (const param of [
    'authIssuer',
    'authJwksUri',
    'restorePointSchedule',
    'simulatedCompute',
    'cosmosDatabaseName',
  ]) {
    inputs[param] = mainDefault(param);
  }
  const hostStorageName = fileScope(controlPlane, inputs)('hostStorage.name')!;
  for (const service of ['blob', 'queue', 'table']) {
    inputs[`hostStorage.properties.primaryEndpoints.${service}`] =
      `https://${hostStorageName}.${service}.core.windows.net/`;
  }
  const scope = fileScope(controlPlane, inputs);
  return Object.fromEntries(
    Object.entries(appSettings).map(([name, value]) => [name, evaluateBicep(value as string, scope)]),
  );
}

/** `'PT2M'` → 120. */
export function isoDurationSeconds(value: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value);
  if (!match) throw new Error(`Not an ISO 8601 duration: ${value}`);
  const [, days, hours, minutes, seconds] = match.map((part) => Number(part ?? 0));
  return ((days! * 24 + hours!) * 60 + minutes!) * 60 + seconds!;
}

/** `'PT2M'` → `PT2M`; fails for anything but a plain string literal. */
export function stringLiteral(value: unknown, what: string): string {
  const text = literal(value as string);
  if (text === undefined) throw new Error(`${what} is not a string literal: ${String(value)}`);
  return text;
}
