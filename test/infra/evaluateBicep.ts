/**
 * Evaluates the small part of Bicep's expression language that names and setting values use:
 * string interpolation, `take`, `toLower`, `uniqueString` and references. Anything else throws,
 * so that a name too clever for these checks fails the test rather than passing unchecked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callArguments, endOfBrackets, infraDir, literal, type BicepFile } from './bicepFile';

/** Resolves a reference (`location`, `abbrs.webSitesFunctions`, `plan.id`) to its value. */
export type Scope = (reference: string) => string | undefined;

/** What `uniqueString` returns is always 13 characters of [a-z0-9]. */
export const uniqueStringStandIn = 'u0123456789ab';

export function evaluateBicep(expression: string, scope: Scope): string {
  const text = expression.trim();
  if (text.startsWith("'")) return interpolate(text, scope);
  if (/^\d+$/.test(text)) return text;
  for (const [name, apply] of Object.entries(functions)) {
    const args = callArguments(text, name);
    if (args) return apply(args.map((arg) => evaluateBicep(arg, scope)));
  }
  const value = scope(text);
  if (value === undefined) throw new Error(`Cannot evaluate "${text}"`);
  return value;
}

const functions: Record<string, (args: string[]) => string> = {
  take: ([value, count]) => value!.slice(0, Number(count)),
  toLower: ([value]) => value!.toLowerCase(),
  uniqueString: () => uniqueStringStandIn,
};

function interpolate(text: string, scope: Scope): string {
  const plain = literal(text);
  if (plain !== undefined) return plain;
  let result = '';
  for (let i = 1; i < text.length - 1;) {
    if (text[i] === '$' && text[i + 1] === '{') {
      const end = endOfBrackets(text, i + 1);
      result += evaluateBicep(text.slice(i + 2, end - 1), scope);
      i = end;
    } else if (text[i] === '\\') {
      result += text[i + 1];
      i += 2;
    } else result += text[i++];
  }
  return result;
}

const abbreviations = JSON.parse(readFileSync(join(infraDir, 'abbreviations.json'), 'utf8')) as Record<
  string,
  string
>;

/**
 * A file's scope: the given inputs (its params and stand-ins for run-time properties), then its own
 * variables, `abbrs.*` from abbreviations.json, and `<resource>.name` of its resources.
 */
export function fileScope(file: BicepFile, inputs: Readonly<Record<string, string>>): Scope {
  const scope: Scope = (reference) => {
    if (reference in inputs) return inputs[reference];
    const abbreviation = /^abbrs\.(\w+)$/.exec(reference);
    if (abbreviation) return abbreviations[abbreviation[1]!];
    const declaration = file.declarations.find(
      (d) =>
        (d.keyword === 'var' && d.name === reference) ||
        (d.keyword === 'resource' && `${d.name}.name` === reference),
    );
    if (!declaration || declaration.loop) return undefined;
    const value =
      declaration.keyword === 'var' ? declaration.value : (declaration.value as { name?: string }).name;
    return typeof value === 'string' ? evaluateBicep(value, scope) : undefined;
  };
  return scope;
}
