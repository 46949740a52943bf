/**
 * The deployment as Azure expands it, read from the ARM JSON that the pinned Bicep CLI compiles
 * infra/main.bicep to: every module deployment evaluated with its parameters, every loop unrolled,
 * every template expression evaluated, and what only Azure knows taken from ./standIns.ts.
 *
 * The evaluator knows the template functions the compiled template uses, and fails on any other
 * (and on a property or resource it cannot find), so that a template beyond it fails the tests
 * rather than passing unchecked.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { findBicep } from '../../scripts/bicepCli';
import { infraDir } from './bicepFile';
import * as standIns from './standIns';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

interface ParameterDefinition {
  type: string;
  defaultValue?: Json;
  allowedValues?: Json[];
  minLength?: number;
  maxLength?: number;
  minValue?: number;
  maxValue?: number;
  items?: { type: string };
}

export interface Template {
  $schema: string;
  languageVersion?: string;
  parameters?: Record<string, ParameterDefinition>;
  variables?: JsonObject;
  /** An array, or with languageVersion 2.0 an object keyed by symbolic name. */
  resources: JsonObject[] | Record<string, JsonObject>;
  outputs?: Record<string, { type: string; value: Json; copy?: Json }>;
}

// ---- compiling ----

const found = findBicep();
const inCi = process.env['CI'] === 'true';

/**
 * Why the tests of the compiled template are skipped here, or undefined when they run. In CI they
 * always run, and a missing compiler fails them.
 */
export const compilerMissing = 'missing' in found && !inCi ? found.missing : undefined;

/** infra/main.bicep, or `$INFRA_MAIN_BICEP`: a changed copy of infra/, to see a test fail. */
const entry = process.env['INFRA_MAIN_BICEP'] || join(infraDir, 'main.bicep');

let compiled: Template | undefined;

/** `bicep build infra/main.bicep --stdout`, once per test process. */
export function compiledTemplate(): Template {
  if (compiled) return compiled;
  if ('missing' in found) throw new Error(`No Bicep CLI: ${found.missing}`);
  const result = spawnSync(found.path, ['build', entry, '--stdout'], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`bicep build ${entry} exited ${result.status}:\n${result.stderr}`);
  compiled = JSON.parse(result.stdout) as Template;
  return compiled;
}

// ---- expressions ----

type Expression =
  | { kind: 'literal'; value: string | number }
  | { kind: 'call'; name: string; args: Expression[] }
  | { kind: 'property'; target: Expression; name: string }
  | { kind: 'index'; target: Expression; index: Expression };

/** `lambda('x', body)`: its body is evaluated when map() or toObject() calls it. */
class Lambda {
  constructor(
    readonly parameters: string[],
    readonly body: Expression,
    readonly context: Context,
  ) {}

  call(...args: Json[]): Json {
    const bound = { ...this.context.lambda };
    this.parameters.forEach((name, i) => (bound[name] = args[i]!));
    return json(evaluate(this.body, { ...this.context, lambda: bound }), 'a lambda result');
  }
}

type Value = Json | Lambda;

/** Where an expression is evaluated: its template's run, the loops it is in, the lambda variables. */
interface Context {
  run: TemplateRun;
  /** Loop name → index; '' is the loop of the resource itself. */
  copy: Readonly<Record<string, number>>;
  lambda: Readonly<Record<string, Json>>;
}

/** Parses the text between the brackets of `"[...]"`. */
export function parseExpression(text: string): Expression {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at ${i} in [${text}]`);
  };
  const spaces = () => {
    while (text[i] === ' ') i++;
  };
  const primary = (): Expression => {
    spaces();
    if (text[i] === "'") {
      let value = '';
      for (i++; text[i] !== "'" || text[i + 1] === "'"; i++) {
        if (i >= text.length) fail('unterminated string');
        value += text[i];
        if (text[i] === "'") i++;
      }
      i++;
      return { kind: 'literal', value };
    }
    const number = /^-?\d+/.exec(text.slice(i));
    if (number) {
      i += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    const name = /^[A-Za-z_]\w*/.exec(text.slice(i))?.[0] ?? fail('expected a value');
    i += name.length;
    spaces();
    if (text[i++] !== '(') fail(`expected ( after ${name}`);
    const args: Expression[] = [];
    spaces();
    if (text[i] === ')') i++;
    else
      for (;;) {
        args.push(expression());
        spaces();
        const c = text[i++];
        if (c === ')') break;
        if (c !== ',') fail('expected , or )');
      }
    return { kind: 'call', name, args };
  };
  const expression = (): Expression => {
    let result = primary();
    for (;;) {
      spaces();
      if (text[i] === '.') {
        i++;
        const name = /^[A-Za-z_$][\w$]*/.exec(text.slice(i))?.[0] ?? fail('expected a property name');
        i += name.length;
        result = { kind: 'property', target: result, name };
      } else if (text[i] === '[') {
        i++;
        const index = expression();
        spaces();
        if (text[i++] !== ']') fail('expected ]');
        result = { kind: 'index', target: result, index };
      } else return result;
    }
  };
  const result = expression();
  spaces();
  if (i !== text.length) fail('unexpected text');
  return result;
}

function evaluate(expression: Expression, cx: Context): Value {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'property':
      return member(json(evaluate(expression.target, cx), 'a property target'), expression.name);
    case 'index': {
      const index = json(evaluate(expression.index, cx), 'an index');
      return member(json(evaluate(expression.target, cx), 'an indexed value'), index);
    }
    case 'call': {
      const name = expression.name.toLowerCase();
      if (name === 'if') {
        const [condition, then, otherwise] = expression.args;
        return evaluate(boolean(evaluate(condition!, cx), 'if') ? then! : otherwise!, cx);
      }
      if (name === 'lambda') {
        const names = expression.args.slice(0, -1).map((arg) => string(evaluate(arg, cx), 'lambda'));
        return new Lambda(names, expression.args[expression.args.length - 1]!, cx);
      }
      const apply = functions[name];
      if (!apply) throw new Error(`The tests do not evaluate the template function ${expression.name}()`);
      return apply(
        expression.args.map((arg) => evaluate(arg, cx)),
        cx,
      );
    }
  }
}

/** `value.name` or `value[index]`. ARM matches property names regardless of case. */
function member(value: Json, key: Json): Json {
  if (Array.isArray(value)) {
    if (typeof key !== 'number' || key < 0 || key >= value.length) {
      throw new Error(`Index ${JSON.stringify(key)} out of range of ${JSON.stringify(value)}`);
    }
    return value[key]!;
  }
  if (isObject(value) && typeof key === 'string') {
    if (key in value) return value[key]!;
    const match = Object.keys(value).find((k) => k.toLowerCase() === key.toLowerCase());
    if (match !== undefined) return value[match]!;
  }
  throw new Error(`No property ${JSON.stringify(key)} in ${JSON.stringify(value).slice(0, 300)}`);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function json(value: Value, what: string): Json {
  if (value instanceof Lambda) throw new Error(`${what}: a lambda where a value was expected`);
  return value;
}

function string(value: Value, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function integer(value: Value, what: string): number {
  if (!Number.isInteger(value)) throw new Error(`${what}: expected an integer, got ${JSON.stringify(value)}`);
  return value as number;
}

function boolean(value: Value, what: string): boolean {
  if (typeof value !== 'boolean') throw new Error(`${what}: expected a bool, got ${JSON.stringify(value)}`);
  return value;
}

function array(value: Value, what: string): Json[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected an array, got ${JSON.stringify(value)}`);
  return value;
}

function lambda(value: Value | undefined, what: string): Lambda {
  if (!(value instanceof Lambda)) throw new Error(`${what}: expected a lambda`);
  return value;
}

/** format()'s and string()'s text of a value; booleans and null are refused rather than guessed. */
function text(value: Value, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) || isObject(value)) return JSON.stringify(value);
  throw new Error(`${what}: the tests do not turn ${JSON.stringify(value)} into text`);
}

/** union(): objects merged (nested objects too, the last value winning), arrays without duplicates. */
function union(values: Json[]): Json {
  if (values.every(Array.isArray)) {
    const result: Json[] = [];
    for (const item of values.flat()) if (!result.some((r) => isDeepStrictEqual(r, item))) result.push(item);
    return result;
  }
  if (!values.every(isObject)) throw new Error('union(): expected arrays or objects');
  const result: JsonObject = {};
  for (const value of values) {
    for (const [key, item] of Object.entries(value)) {
      const before = result[key];
      result[key] = isObject(before) && isObject(item) ? union([before, item]) : item;
    }
  }
  return result;
}

/** `[subscriptionId], [resourceGroupName], type, name1, name2...`: split where the type starts. */
function splitResourceIdArgs(
  args: Value[],
  what: string,
): { before: string[]; type: string; names: string[] } {
  const strings = args.map((arg) => string(arg, what));
  const at = strings.findIndex((arg) => arg.includes('/'));
  if (at < 0) throw new Error(`${what}: no resource type among ${JSON.stringify(strings)}`);
  return { before: strings.slice(0, at), type: strings[at]!, names: strings.slice(at + 1) };
}

/** `providers/Microsoft.Storage/storageAccounts/acct/blobServices/default` for a type and its names. */
function providerPath(type: string, names: string[]): string {
  const [namespace, ...types] = type.split('/');
  if (types.length !== names.length) {
    throw new Error(`${type} takes ${types.length} name segment(s), got ${JSON.stringify(names)}`);
  }
  return `providers/${namespace}/${types.map((t, i) => `${t}/${names[i]}`).join('/')}`;
}

const functions: Record<string, (args: Value[], cx: Context) => Value> = {
  // The template's own values.
  parameters: ([name], cx) => cx.run.parameter(string(name!, 'parameters()')),
  variables: ([name], cx) => cx.run.variable(string(name!, 'variables()')),
  lambdavariables: ([name], cx) => {
    const key = string(name!, 'lambdaVariables()');
    if (!(key in cx.lambda)) throw new Error(`No lambda variable ${key}`);
    return cx.lambda[key]!;
  },
  copyindex: (args, cx) => {
    const loop = typeof args[0] === 'string' ? args[0] : '';
    const offset = args.find((arg) => typeof arg === 'number') ?? 0;
    const index = cx.copy[loop];
    if (index === undefined) throw new Error(`copyIndex(${loop}) outside that loop`);
    return index + integer(offset, 'copyIndex()');
  },
  // Resources.
  reference: ([target, , full], cx) => {
    if (full !== undefined) throw new Error("The tests do not evaluate reference(..., 'Full')");
    return cx.run.reference(string(target!, 'reference()'));
  },
  references: ([name, full], cx) => {
    if (full !== undefined) throw new Error("The tests do not evaluate references(..., 'Full')");
    return cx.run.references(string(name!, 'references()'));
  },
  resourceid: (args, cx) => {
    const { before, type, names } = splitResourceIdArgs(args, 'resourceId()');
    const [subscriptionId, resourceGroup] =
      before.length === 2 ? before : [cx.run.scope.subscriptionId, before[0] ?? cx.run.scope.resourceGroup];
    const group = resourceGroup ? `/resourceGroups/${resourceGroup}` : '';
    return `/subscriptions/${subscriptionId}${group}/${providerPath(type, names)}`;
  },
  subscriptionresourceid: (args, cx) => {
    const { before, type, names } = splitResourceIdArgs(args, 'subscriptionResourceId()');
    return `/subscriptions/${before[0] ?? cx.run.scope.subscriptionId}/${providerPath(type, names)}`;
  },
  // What only Azure knows.
  subscription: (_args, cx) => standIns.subscription(cx.run.scope.subscriptionId),
  deployment: (_args, cx) => {
    const { location } = cx.run.scope;
    if (location === undefined) throw new Error(`deployment(): ${cx.run.name || 'main'} has no location`);
    return { name: cx.run.name || 'main', location };
  },
  tenant: () => standIns.tenant(),
  environment: () => standIns.publicCloud,
  uniquestring: (args) => standIns.uniqueString(...args.map((arg) => string(arg, 'uniqueString()'))),
  guid: (args) => standIns.guid(...args.map((arg) => string(arg, 'guid()'))),
  // Values.
  true: () => true,
  false: () => false,
  null: () => null,
  createarray: (args) => args.map((arg) => json(arg, 'createArray()')),
  createobject: (args) => {
    const result: JsonObject = {};
    for (let i = 0; i < args.length; i += 2) {
      result[string(args[i]!, 'createObject()')] = json(args[i + 1]!, 'createObject()');
    }
    return result;
  },
  format: ([pattern, ...args]) =>
    string(pattern!, 'format()').replace(/\{\{|\}\}|\{(\d+)(?:[,:][^}]*)?\}/g, (match, index?: string) => {
      if (match === '{{') return '{';
      if (match === '}}') return '}';
      if (match !== `{${index}}`) throw new Error(`format(): the tests do not evaluate ${match}`);
      return text(args[Number(index)]!, 'format()');
    }),
  string: ([value]) => text(value!, 'string()'),
  tolower: ([value]) => string(value!, 'toLower()').toLowerCase(),
  toupper: ([value]) => string(value!, 'toUpper()').toUpperCase(),
  replace: ([value, from, to]) =>
    string(value!, 'replace()').split(string(from!, 'replace()')).join(string(to!, 'replace()')),
  split: ([value, delimiters]) => {
    const separators = Array.isArray(delimiters) ? delimiters.map((d) => string(d, 'split()')) : [delimiters];
    let parts = [string(value!, 'split()')];
    for (const separator of separators)
      parts = parts.flatMap((part) => part.split(string(separator!, 'split()')));
    return parts;
  },
  // `a.?b` and `a[?i]`: null where ARM finds no such property or index, instead of failing.
  tryget: ([target, ...keys]) => {
    let current = json(target!, 'tryGet()');
    for (const key of keys) {
      const k = json(key, 'tryGet()');
      const found =
        (Array.isArray(current) && typeof k === 'number' && k >= 0 && k < current.length) ||
        (isObject(current) &&
          typeof k === 'string' &&
          Object.keys(current).some((name) => name.toLowerCase() === k.toLowerCase()));
      if (!found) return null;
      current = member(current, k);
    }
    return current;
  },
  length: ([value]) => {
    if (typeof value === 'string' || Array.isArray(value)) return value.length;
    if (isObject(value)) return Object.keys(value).length;
    throw new Error(`length(): ${JSON.stringify(value)}`);
  },
  empty: ([value]) =>
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (isObject(value) && Object.keys(value).length === 0),
  concat: (args) => {
    const values = args.map((arg) => json(arg, 'concat()'));
    if (values.every(Array.isArray)) return values.flat();
    return values.map((value) => string(value, 'concat()')).join('');
  },
  join: ([items, delimiter]) =>
    array(items!, 'join()')
      .map((item) => string(item, 'join()'))
      .join(string(delimiter!, 'join()')),
  union: (args) => union(args.map((arg) => json(arg, 'union()'))),
  map: ([items, fn]) => array(items!, 'map()').map((item, i) => lambda(fn, 'map()').call(item, i)),
  toobject: ([items, key, value]) =>
    Object.fromEntries(
      array(items!, 'toObject()').map((item) => [
        string(lambda(key, 'toObject()').call(item), 'toObject() key'),
        value === undefined ? item : lambda(value, 'toObject()').call(item),
      ]),
    ),
  add: ([a, b]) => integer(a!, 'add()') + integer(b!, 'add()'),
  equals: ([a, b]) => isDeepStrictEqual(a, b),
  not: ([value]) => !boolean(value!, 'not()'),
  and: (args) => args.every((arg) => boolean(arg, 'and()')),
  or: (args) => args.map((arg) => boolean(arg, 'or()')).some(Boolean),
};

/** A property or variable loop: `"copy": [{ "name": "locations", "count": n, "input": {...} }]`. */
interface CopyLoop {
  name: string;
  count: Json;
  input: Json;
}

/** A loop's input, evaluated once for each of its iterations. */
function unroll(loop: CopyLoop, cx: Context): Json[] {
  const count = integer(evaluateJson(loop.count, cx), `copy ${loop.name}`);
  return Array.from({ length: count }, (_, i) =>
    evaluateJson(loop.input, { ...cx, copy: { ...cx.copy, [loop.name]: i } }),
  );
}

/** A JSON value of a template with its expressions evaluated, and its property loops unrolled. */
function evaluateJson(value: Json, cx: Context): Json {
  if (typeof value === 'string') {
    if (value.startsWith('[[')) return value.slice(1);
    if (value.startsWith('[') && value.endsWith(']')) {
      return json(evaluate(parseExpression(value.slice(1, -1)), cx), value);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => evaluateJson(item, cx));
  if (!isObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'copy' && Array.isArray(item)) {
      for (const loop of item as unknown as CopyLoop[]) result[loop.name] = unroll(loop, cx);
    } else {
      result[string(evaluateJson(key, cx), 'a property name')] = evaluateJson(item, cx);
    }
  }
  return result;
}

// ---- deployments ----

/** A resource as deployed, with every expression evaluated. */
export interface ArmResource {
  /** The nested deployment that deployed it (`controlPlane-westeurope`); '' for main.bicep's own. */
  deployment: string;
  /** Its symbolic name in its template (languageVersion 2.0), else its index there. */
  symbolicName: string;
  type: string;
  /** Its full name: `account/default/container` for a child resource. */
  name: string;
  apiVersion: string;
  id: string;
  subscriptionId: string;
  resourceGroup: string | undefined;
  /** An extension resource's scope (a role assignment's, a diagnostic setting's): the resource it applies to. */
  scope: string | undefined;
  location: string | undefined;
  /** Everything else it declares, evaluated: kind, sku, tags, identity, properties... */
  body: JsonObject;
  properties: JsonObject;
  /** What `reference()` of it returns: its properties and the stand-ins for what Azure assigns. */
  runtime: JsonObject;
}

interface DeploymentScope {
  subscriptionId: string;
  resourceGroup?: string;
  /** Where a subscription-scope deployment is made (`az deployment sub create --location`): `deployment().location`. */
  location?: string;
}

const deploymentsType = 'Microsoft.Resources/deployments';

/** One resource declaration of a template, once per iteration of its loop. */
class Instance {
  private evaluatedAddress: { name: string; id: string; scope: string | undefined } | undefined;
  private evaluated: ArmResource | undefined;
  private evaluating = false;
  private nestedRun: TemplateRun | undefined;
  readonly cx: Context;

  constructor(
    readonly run: TemplateRun,
    readonly symbolicName: string,
    readonly declaration: JsonObject,
    readonly index: number | undefined,
  ) {
    const loop = (declaration['copy'] as { name?: string } | undefined)?.name ?? '';
    this.cx = { run, copy: index === undefined ? {} : { '': index, [loop]: index }, lambda: {} };
  }

  get type(): string {
    return string(this.declaration['type']!, `${this.symbolicName}.type`);
  }

  get deployed(): boolean {
    if (this.declaration['existing'] === true) return false;
    const condition = this.declaration['condition'];
    return condition === undefined || boolean(evaluateJson(condition, this.cx), 'condition');
  }

  private get what(): string {
    return `${this.run.name || 'main'}/${this.symbolicName}${this.index === undefined ? '' : `[${this.index}]`}`;
  }

  /** Its name, id and extension scope: all `reference(resourceId(...))` needs to find it. */
  address(): { name: string; id: string; scope: string | undefined } {
    if (this.evaluatedAddress) return this.evaluatedAddress;
    const { name, scope } = this.declaration;
    const evaluatedName = string(evaluateJson(name!, this.cx), `${this.what}.name`);
    const extensionScope =
      scope === undefined ? undefined : string(evaluateJson(scope, this.cx), `${this.what}.scope`);
    this.evaluatedAddress = {
      name: evaluatedName,
      id: this.run.resourceIdOf(this.type, evaluatedName, extensionScope),
      scope: extensionScope,
    };
    return this.evaluatedAddress;
  }

  resource(): ArmResource {
    if (this.evaluated) return this.evaluated;
    if (this.evaluating) throw new Error(`${this.what} depends on itself`);
    if (!this.deployed) throw new Error(`${this.what} is not deployed by this template`);
    this.evaluating = true;
    const {
      type,
      apiVersion,
      name: _name,
      scope: _scope,
      location,
      copy: _copy,
      dependsOn: _dependsOn,
      condition: _condition,
      ...rest
    } = this.declaration;
    if (type === deploymentsType && isObject(rest['properties'])) {
      // The module's template is evaluated in its own deployment, not here.
      const { template: _template, ...properties } = rest['properties'];
      rest['properties'] = properties;
    }
    const { name, id, scope } = this.address();
    const body = evaluateJson(rest, this.cx) as JsonObject;
    const evaluatedLocation = location === undefined ? undefined : evaluateJson(location, this.cx);
    const resource: ArmResource = {
      deployment: this.run.name,
      symbolicName: this.symbolicName,
      type: this.type,
      name,
      apiVersion: string(apiVersion!, `${this.what}.apiVersion`),
      id,
      subscriptionId: this.run.scope.subscriptionId,
      resourceGroup: this.run.scope.resourceGroup,
      scope,
      location:
        evaluatedLocation === undefined ? undefined : string(evaluatedLocation, `${this.what}.location`),
      body,
      properties: isObject(body['properties']) ? body['properties'] : {},
      runtime: {},
    };
    resource.runtime = { ...resource.properties, ...(standIns.runtimeProperties(resource) as JsonObject) };
    this.evaluated = resource;
    this.evaluating = false;
    return resource;
  }

  /** A module's own deployment, run with the parameters its declaration passes. */
  nested(): TemplateRun {
    if (this.nestedRun) return this.nestedRun;
    const resource = this.resource();
    const declared = this.declaration['properties'] as unknown as { template: Template };
    const { parameters = {}, expressionEvaluationOptions } = resource.properties as {
      parameters?: Record<string, { value?: Json }>;
      expressionEvaluationOptions?: { scope?: string };
    };
    if (expressionEvaluationOptions?.scope !== 'inner') {
      throw new Error(`${resource.name}: the tests evaluate only inner-scoped nested deployments`);
    }
    const values = Object.fromEntries(
      Object.entries(parameters).map(([key, parameter]) => {
        if (!('value' in parameter)) throw new Error(`${resource.name}: parameter ${key} has no value`);
        return [key, parameter.value!];
      }),
    );
    const resourceGroup = resource.body['resourceGroup'] ?? this.run.scope.resourceGroup;
    const subscriptionId = resource.body['subscriptionId'] ?? this.run.scope.subscriptionId;
    this.nestedRun = new TemplateRun(
      declared.template,
      values,
      {
        subscriptionId: string(subscriptionId, `${resource.name}.subscriptionId`),
        ...(resourceGroup === undefined
          ? {}
          : { resourceGroup: string(resourceGroup, `${resource.name}.resourceGroup`) }),
        ...(resource.location === undefined ? {} : { location: resource.location }),
      },
      resource.name,
    );
    return this.nestedRun;
  }

  /** What `reference()` returns: a module's outputs, or a resource's run-time properties. */
  reference(): Json {
    if (this.type !== deploymentsType) return this.resource().runtime;
    const run = this.nested();
    const outputs = run.outputs();
    return {
      outputs: Object.fromEntries(
        Object.entries(outputs).map(([name, value]) => [
          name,
          { type: run.template.outputs![name]!.type, value },
        ]),
      ),
    };
  }
}

/** One template, deployed with its parameters at its scope. */
class TemplateRun {
  readonly instances: Instance[];
  private readonly parameterValues = new Map<string, Json>();
  private readonly variableValues = new Map<string, Json>();
  private readonly evaluatingVariables = new Set<string>();
  private outputValues: Record<string, Json> | undefined;
  private readonly cx: Context;

  constructor(
    readonly template: Template,
    private readonly given: Record<string, Json>,
    readonly scope: DeploymentScope,
    /** The deployment's name; '' for main.bicep. */
    readonly name: string,
  ) {
    this.cx = { run: this, copy: {}, lambda: {} };
    for (const key of Object.keys(given)) {
      if (!template.parameters?.[key]) throw new Error(`${name || 'main'}: no parameter ${key}`);
    }
    const declarations = Array.isArray(template.resources)
      ? template.resources.map((declaration, i) => [String(i), declaration] as const)
      : Object.entries(template.resources);
    this.instances = declarations.flatMap(([symbolicName, declaration]) => {
      const copy = declaration['copy'] as { count: Json } | undefined;
      if (!copy) return [new Instance(this, symbolicName, declaration, undefined)];
      const count = integer(evaluateJson(copy.count, this.cx), `${symbolicName} copy count`);
      return Array.from({ length: count }, (_, i) => new Instance(this, symbolicName, declaration, i));
    });
  }

  parameter(name: string): Json {
    if (this.parameterValues.has(name)) return this.parameterValues.get(name)!;
    const definition = this.template.parameters?.[name];
    if (!definition) throw new Error(`${this.name || 'main'}: no parameter ${name}`);
    let value: Json;
    if (name in this.given) value = this.given[name]!;
    else if ('defaultValue' in definition) value = evaluateJson(definition.defaultValue!, this.cx);
    else throw new Error(`${this.name || 'main'}: parameter ${name} has no value and no default`);
    checkParameter(`${this.name || 'main'}: parameter ${name}`, definition, value);
    this.parameterValues.set(name, value);
    return value;
  }

  variable(name: string): Json {
    if (this.variableValues.has(name)) return this.variableValues.get(name)!;
    if (this.evaluatingVariables.has(name)) throw new Error(`variable ${name} depends on itself`);
    this.evaluatingVariables.add(name);
    const variables = this.template.variables ?? {};
    const loop = ((variables['copy'] ?? []) as unknown as CopyLoop[]).find((l) => l.name === name);
    let value: Json;
    if (loop) value = unroll(loop, this.cx);
    else if (name in variables && name !== 'copy') value = evaluateJson(variables[name]!, this.cx);
    else throw new Error(`${this.name || 'main'}: no variable ${name}`);
    this.variableValues.set(name, value);
    this.evaluatingVariables.delete(name);
    return value;
  }

  outputs(): Record<string, Json> {
    if (this.outputValues) return this.outputValues;
    const result: Record<string, Json> = {};
    for (const [name, output] of Object.entries(this.template.outputs ?? {})) {
      if (output.copy !== undefined)
        throw new Error(`output ${name}: the tests do not evaluate output loops`);
      const value = evaluateJson(output.value, this.cx);
      checkParameter(`${this.name || 'main'}: output ${name}`, output, value);
      result[name] = value;
    }
    this.outputValues = result;
    return result;
  }

  resourceIdOf(type: string, name: string, extensionScope: string | undefined): string {
    const path = providerPath(type, name.split('/'));
    if (extensionScope !== undefined) return `${extensionScope}/${path}`;
    const subscription = `/subscriptions/${this.scope.subscriptionId}`;
    if (type.toLowerCase() === 'microsoft.resources/resourcegroups')
      return `${subscription}/resourceGroups/${name}`;
    const group = this.scope.resourceGroup === undefined ? '' : `/resourceGroups/${this.scope.resourceGroup}`;
    return `${subscription}${group}/${path}`;
  }

  /** `reference('symbolicName')`, `reference('symbolicName[1]')` or `reference(resourceId(...))`. */
  reference(target: string): Json {
    const symbolic = /^(\w+)(?:\[(\d+)\])?$/.exec(target);
    if (symbolic && this.template.languageVersion === '2.0') {
      const index = symbolic[2] === undefined ? undefined : Number(symbolic[2]);
      const instance = this.instances.find((i) => i.symbolicName === symbolic[1] && i.index === index);
      if (!instance) throw new Error(`reference(${target}): no such resource in ${this.name || 'main'}`);
      return instance.reference();
    }
    const instance = this.instances.find(
      (i) => i.deployed && i.address().id.toLowerCase() === target.toLowerCase(),
    );
    if (!instance) {
      throw new Error(
        `reference(${target}): ${this.name || 'main'} deploys no such resource (only Azure knows it)`,
      );
    }
    return instance.reference();
  }

  /** `references('symbolicName')`: every iteration of a resource or module loop. */
  references(name: string): Json[] {
    if (Array.isArray(this.template.resources) || !(name in this.template.resources)) {
      throw new Error(`references(${name}): no such resource in ${this.name || 'main'}`);
    }
    return this.instances.filter((i) => i.symbolicName === name).map((instance) => instance.reference());
  }

  /** Every resource this deployment and the deployments it nests deploy, these included. */
  resources(): ArmResource[] {
    return this.instances
      .filter((instance) => instance.deployed)
      .flatMap((instance) => [
        instance.resource(),
        ...(instance.type === deploymentsType ? instance.nested().resources() : []),
      ]);
  }
}

/** The checks Azure makes of a parameter (or an output) before it deploys anything. */
function checkParameter(what: string, definition: ParameterDefinition, value: Json): void {
  const type = definition.type.toLowerCase();
  const types: Record<string, (v: Json) => boolean> = {
    string: (v) => typeof v === 'string',
    securestring: (v) => typeof v === 'string',
    int: (v) => Number.isInteger(v),
    bool: (v) => typeof v === 'boolean',
    array: (v) => Array.isArray(v),
    object: isObject,
    secureobject: isObject,
  };
  const is = types[type];
  if (!is) throw new Error(`${what}: the tests do not check type ${definition.type}`);
  if (!is(value)) throw new Error(`${what}: ${JSON.stringify(value)} is not of type ${definition.type}`);
  if (
    definition.allowedValues &&
    !definition.allowedValues.some((allowed) => isDeepStrictEqual(allowed, value))
  ) {
    throw new Error(
      `${what}: ${JSON.stringify(value)} is not one of ${JSON.stringify(definition.allowedValues)}`,
    );
  }
  const length = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
  if (definition.minLength !== undefined && length! < definition.minLength) {
    throw new Error(`${what}: ${JSON.stringify(value)} is shorter than ${definition.minLength}`);
  }
  if (definition.maxLength !== undefined && length! > definition.maxLength) {
    throw new Error(`${what}: ${JSON.stringify(value)} is longer than ${definition.maxLength}`);
  }
  if (definition.minValue !== undefined && (value as number) < definition.minValue) {
    throw new Error(`${what}: ${JSON.stringify(value)} is less than ${definition.minValue}`);
  }
  if (definition.maxValue !== undefined && (value as number) > definition.maxValue) {
    throw new Error(`${what}: ${JSON.stringify(value)} is more than ${definition.maxValue}`);
  }
  if (definition.items && Array.isArray(value)) {
    value.forEach((item, i) => checkParameter(`${what}[${i}]`, definition.items!, item));
  }
}

// ---- main.bicep, deployed ----

export interface DeployOptions {
  /** The azd environment (`AZURE_ENV_NAME`, `AZURE_LOCATION`...), which azd puts into main.parameters.json. */
  env: Readonly<Record<string, string>>;
  /** Parameters beyond main.parameters.json, as a deployer adds them there (`frontDoorSku`...). */
  parameters?: Readonly<Record<string, Json>>;
  subscriptionId?: string;
}

export interface Deployment {
  /** main.bicep's parameters as azd passes them. */
  parameters: Record<string, Json>;
  outputs: Record<string, Json>;
  /** Every resource deployed, in every nested deployment, the deployments included. */
  resources: ArmResource[];
}

/**
 * main.parameters.json as `azd provision` passes it: `${NAME}` and `${NAME=default}` replaced by the
 * environment's value (empty when unset and without a default).
 */
export function azdParameters(env: Readonly<Record<string, string>>): Record<string, Json> {
  const file = readFileSync(join(dirname(entry), 'main.parameters.json'), 'utf8');
  const substituted = file.replace(/\$\{(\w+)(?:=([^}]*))?\}/g, (_, name: string, fallback?: string) =>
    JSON.stringify(env[name] || fallback || '').slice(1, -1),
  );
  const { parameters } = JSON.parse(substituted) as { parameters: Record<string, { value: Json }> };
  return Object.fromEntries(Object.entries(parameters).map(([name, { value }]) => [name, value]));
}

const deployments = new Map<string, Deployment>();

/** The compiled main.bicep, deployed to a subscription for an azd environment (memoized). */
export function deploy(options: DeployOptions): Deployment {
  const key = JSON.stringify(options);
  const known = deployments.get(key);
  if (known) return known;
  const parameters = { ...azdParameters(options.env), ...options.parameters };
  const run = new TemplateRun(
    compiledTemplate(),
    parameters,
    {
      subscriptionId: options.subscriptionId ?? standIns.standInSubscriptionId,
      // azd deploys main.bicep to the subscription in AZURE_LOCATION.
      location: string(parameters['location'] ?? null, 'main.bicep location'),
    },
    '',
  );
  const deployment = { parameters, outputs: run.outputs(), resources: run.resources() };
  deployments.set(key, deployment);
  return deployment;
}
