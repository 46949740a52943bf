/**
 * The Bicep text of every file under infra/, for the checks only the text can make (comments, how
 * an expression is written, what a module passes on); ./deployed.ts has the compiled deployment,
 * which the checks of values read.
 */
import { asObject, at, BicepFile, literal, type BicepObject, type Declaration } from './bicepFile';

export const main = BicepFile.read('main.bicep');
export const controlPlane = BicepFile.read('modules/controlPlane.bicep');
export const cosmos = BicepFile.read('modules/cosmos.bicep');
export const regionStorage = BicepFile.read('modules/regionStorage.bicep');
export const frontDoor = BicepFile.read('modules/frontDoor.bicep');
export const frontDoorOrigins = BicepFile.read('modules/frontDoorOrigins.bicep');
export const gather = BicepFile.read('modules/gather.bicep');
export const portalSite = BicepFile.read('modules/portalSite.bicep');
export const frontDoorPortal = BicepFile.read('modules/frontDoorPortal.bicep');
export const modules = [
  controlPlane,
  cosmos,
  regionStorage,
  frontDoor,
  frontDoorOrigins,
  gather,
  portalSite,
  frontDoorPortal,
  BicepFile.read('modules/identity.bicep'),
  BicepFile.read('modules/logAnalytics.bicep'),
];
export const allFiles = [main, ...modules];

/**
 * A resource's name as declared: its expression, or the value of the variable it names. A name a
 * module takes as a parameter (the Front Door names, which main.bicep computes for both Front Door
 * modules) is what main.bicep passes for it, resolved the same way there.
 */
export function declaredName(file: BicepFile, resource: Declaration): string {
  const name = at(resource.value, 'name') as string;
  if (!/^\w+$/.test(name)) return name;
  if (file.param(name)) {
    const module = main.declarations.find((d) => d.keyword === 'module' && d.type === file.path);
    return declaredName(main, { ...resource, value: { name: at(module?.value, `params.${name}`)! } });
  }
  // A variable's value; anything else (a loop's item) stays as it is.
  const variable = file.declarations.find((d) => d.keyword === 'var' && d.name === name);
  return typeof variable?.value === 'string' ? variable.value : name;
}

/** The Function App's settings as declared: name → Bicep expression. */
export const appSettings: BicepObject = asObject(controlPlane.variable('appSettings'), 'appSettings');

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
