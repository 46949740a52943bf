/**
 * The hardened edge: Front Door's WAF policy guards the one endpoint, and each Function App admits
 * only that Front Door profile (its backend addresses carrying its X-Azure-FDID), plus the
 * break-glass ranges an operator names.
 */
import { describe, expect, it } from 'vitest';
import { httpFunctions } from '../../src/functions/registry';
import { HttpLimits } from '../../src/http/limits';
import '../../src/functions';
import {
  asArray,
  asObject,
  at,
  expression,
  literal,
  type BicepObject,
  type BicepValue,
  type Declaration,
} from './bicepFile';
import { appSettings, controlPlane, frontDoor, frontDoorOrigins, main, stringLiteral } from './deployment';

const skus = ['Standard_AzureFrontDoor', 'Premium_AzureFrontDoor'];

/** The string literals of an `@allowed([...])` decorator. */
function allowedValues(declaration: Declaration | undefined): string[] {
  const allowed = declaration?.decorators?.find((d) => d.startsWith('@allowed('));
  return [...(allowed ?? '').matchAll(/'([^']*)'/g)].map((m) => m[1]!);
}

/** An array literal, or a variable of this file holding one. */
function arrayOf(value: BicepValue | undefined, what: string): BicepValue[] {
  if (typeof value === 'string' && /^\w+$/.test(value)) return asArray(frontDoor.variable(value), value);
  return asArray(value, what);
}

const wafPolicies = frontDoor.resources('Microsoft.Network/FrontDoorWebApplicationFirewallPolicies');
const wafPolicy = wafPolicies[0]!;
const customRules = asArray(at(wafPolicy.value, 'properties.customRules.rules'), 'customRules.rules').map(
  (rule, i) => asObject(rule, `custom rule ${i}`),
);

/** A custom rule's name. */
function nameOf(r: BicepObject): string {
  return stringLiteral(r['name'], 'custom rule name');
}

function rule(name: string): BicepObject {
  const found = customRules.find((r) => literal(r['name']) === name);
  if (!found) throw new Error(`the WAF policy has no custom rule ${name}`);
  return found;
}

/** A rule's one match condition, with its values read. */
function condition(r: BicepObject): {
  variable: string;
  operator: string;
  negate: boolean;
  values: string[];
  transforms: string[];
} {
  const conditions = asArray(r['matchConditions'], 'matchConditions');
  expect(conditions, `${nameOf(r)}: one match condition`).toHaveLength(1);
  const c = asObject(conditions[0], 'matchCondition');
  return {
    variable: stringLiteral(c['matchVariable'], 'matchVariable'),
    operator: stringLiteral(c['operator'], 'operator'),
    negate: c['negateCondition'] === 'true',
    values: arrayOf(c['matchValue'], 'matchValue').map((v) => stringLiteral(v, 'matchValue')),
    transforms:
      c['transforms'] === undefined
        ? []
        : arrayOf(c['transforms'], 'transforms').map((t) => stringLiteral(t, 't')),
  };
}

/** Requests per minute a rate-limit rule lets one client address make, and its window. */
function rateLimit(r: BicepObject): { perMinute: number; minutes: number } {
  expect(literal(r['ruleType'])).toBe('RateLimitRule');
  const minutes = Number(r['rateLimitDurationInMinutes']);
  const threshold = Number(r['rateLimitThreshold']);
  // The only windows Front Door offers (learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-rate-limit).
  expect([1, 5], `${nameOf(r)}: window`).toContain(minutes);
  expect(Number.isInteger(threshold) && threshold > 0, `${nameOf(r)}: threshold`).toBe(true);
  // Per socket IP address, Front Door's default; grouping by nothing or by country would not be.
  const groupBy = r['groupBy'] === undefined ? [] : asArray(r['groupBy'], 'groupBy');
  for (const g of groupBy) expect(at(g, 'variableName')).toBe("'SocketAddr'");
  return { perMinute: threshold / minutes, minutes };
}

const routes = httpFunctions().map((f) => f.spec);

describe('the Front Door WAF policy', () => {
  it('is one policy, attached to the endpoint by the one security policy', () => {
    expect(wafPolicies).toHaveLength(1);
    const endpoints = frontDoor.resources('Microsoft.Cdn/profiles/afdEndpoints');
    expect(endpoints).toHaveLength(1);
    const securityPolicies = frontDoor.resources('Microsoft.Cdn/profiles/securityPolicies');
    expect(securityPolicies).toHaveLength(1);
    const security = asObject(securityPolicies[0]!.value, 'securityPolicy');
    expect(security['parent']).toBe('profile');
    const parameters = asObject(at(security, 'properties.parameters'), 'parameters');
    expect(parameters['type']).toBe("'WebApplicationFirewall'");
    expect(at(parameters, 'wafPolicy.id')).toBe(`${wafPolicy.name}.id`);
    const associations = asArray(parameters['associations'], 'associations');
    expect(associations).toHaveLength(1);
    expect(at(associations[0], 'domains')).toEqual([{ id: `${endpoints[0]!.name}.id` }]);
    expect(at(associations[0], 'patternsToMatch')).toEqual(["'/*'"]);
  });

  it('is of the profile’s tier, and both follow frontDoorSku (Standard by default)', () => {
    const param = main.param('frontDoorSku');
    expect(param?.value).toBe("'Standard_AzureFrontDoor'");
    expect(allowedValues(param).sort()).toEqual([...skus].sort());
    expect(at(main.module('frontDoor').value, 'params.sku')).toBe('frontDoorSku');
    expect(allowedValues(frontDoor.param('sku')).sort()).toEqual([...skus].sort());
    expect(at(frontDoor.resource('profile').value, 'sku.name')).toBe('sku');
    expect(at(wafPolicy.value, 'sku.name'), 'a policy attaches only to a profile of its tier').toBe('sku');
  });

  it('acts on what it matches: enabled, in Prevention mode', () => {
    expect(at(wafPolicy.value, 'properties.policySettings.enabledState')).toBe("'Enabled'");
    expect(at(wafPolicy.value, 'properties.policySettings.mode')).toBe("'Prevention'");
  });

  it('has custom rules with unique names and priorities, each blocking', () => {
    expect(customRules.length).toBeGreaterThanOrEqual(3);
    expect(new Set(customRules.map((r) => r['name'])).size).toBe(customRules.length);
    expect(new Set(customRules.map((r) => r['priority'])).size).toBe(customRules.length);
    for (const r of customRules) {
      expect(literal(r['name']), 'letters and digits').toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      expect(r['action'], nameOf(r)).toBe("'Block'");
      expect(r['enabledState'], nameOf(r)).toBe("'Enabled'");
    }
  });

  it('limits the rate of API calls from each client address', () => {
    const api = rule('RateLimitApi');
    const { perMinute } = rateLimit(api);
    // Above what the app lets one caller do (its own 429 with Retry-After comes first), within a
    // small multiple of it: a flood from one address stops at the edge.
    const appLimit = HttpLimits.mutatingRequests.perMinute;
    expect(perMinute).toBeGreaterThan(appLimit);
    expect(perMinute).toBeLessThanOrEqual(5 * appLimit);
    expect(condition(api)).toMatchObject({
      variable: 'RequestUri',
      operator: 'Contains',
      negate: false,
      values: ['/api/'],
    });
    expect(condition(api).transforms).toContain('Lowercase');
  });

  it('limits the anonymous routes more tightly, every one of them', () => {
    const anonymous = rule('RateLimitAnonymousRoutes');
    expect(rateLimit(anonymous).perMinute).toBeLessThan(rateLimit(rule('RateLimitApi')).perMinute);
    const { variable, operator, negate, values, transforms } = condition(anonymous);
    expect([variable, operator, negate]).toEqual(['RequestUri', 'Contains', false]);
    expect(transforms).toEqual(['UrlDecode', 'Lowercase']);
    const open = routes.filter((spec) => spec.auth === 'anonymous');
    expect(open.map((spec) => spec.route)).toContain('health');
    for (const spec of open) {
      const path = `/api/${spec.route}`.toLowerCase();
      expect(
        values.some((v) => path.includes(v)),
        `${path} is anonymous but not rate-limited as such`,
      ).toBe(true);
    }
    // Lower-case values: the URI is lower-cased before it is compared.
    for (const v of values) expect(v).toBe(v.toLowerCase());
  });

  it('blocks every method that no route answers, and none that one does', () => {
    const methods = rule('BlockUnusedMethods');
    expect(literal(methods['ruleType'])).toBe('MatchRule');
    const { variable, operator, negate, values } = condition(methods);
    expect([variable, operator, negate]).toEqual(['RequestMethod', 'Equal', true]);
    expect([...values].sort()).toEqual([...new Set(routes.map((spec) => spec.method))].sort());
    // It runs first, before a rate limit counts what it would block anyway.
    const priorities = customRules.map((r) => Number(r['priority']));
    expect(Number(methods['priority'])).toBe(Math.min(...priorities));
  });

  it('has the managed rule sets (Default Rule Set 2.1, the bot manager) under Premium only', () => {
    expect(frontDoor.variable('premium')).toBe("sku == 'Premium_AzureFrontDoor'");
    expect(at(wafPolicy.value, 'properties.managedRules.managedRuleSets')).toBe(
      'premium ? premiumRuleSets : []',
    );
    const sets = arrayOf('premiumRuleSets', 'premiumRuleSets').map((s) => asObject(s, 'managed rule set'));
    const byType = Object.fromEntries(sets.map((s) => [stringLiteral(s['ruleSetType'], 'type'), s]));
    expect(Object.keys(byType).sort()).toEqual(['Microsoft_BotManagerRuleSet', 'Microsoft_DefaultRuleSet']);
    expect(byType['Microsoft_DefaultRuleSet']!['ruleSetVersion']).toBe("'2.1'");
    expect(byType['Microsoft_DefaultRuleSet']!['ruleSetAction']).toBe("'Block'");
    expect(byType['Microsoft_BotManagerRuleSet']!['ruleSetVersion']).toMatch(/^'1\.\d+'$/);
  });

  it('logs what it matched to the Log Analytics workspace', () => {
    const settings = frontDoor.resources('Microsoft.Insights/diagnosticSettings');
    expect(settings).toHaveLength(1);
    expect(at(settings[0]!.value, 'scope')).toBe('profile');
    expect(at(settings[0]!.value, 'properties.workspaceId')).toBe('logAnalyticsWorkspaceId');
    expect(at(settings[0]!.value, 'properties.logs')).toEqual([
      { category: "'FrontDoorWebApplicationFirewallLog'", enabled: 'true' },
    ]);
    expect(at(main.module('frontDoor').value, 'params.logAnalyticsWorkspaceId')).toBe(
      'logAnalytics.outputs.id',
    );
  });
});

describe('each Function App', () => {
  const siteConfig = asObject(
    at(controlPlane.resource('functionApp').value, 'properties.siteConfig'),
    'siteConfig',
  );
  const frontDoorRule = asObject(controlPlane.variable('frontDoorRule'), 'frontDoorRule');
  const breakGlass = controlPlane.declarations.find(
    (d) => d.keyword === 'var' && d.name === 'breakGlassRules',
  )!;
  const breakGlassRule = asObject(breakGlass.value, 'breakGlassRules');

  it('denies whoever no rule allows', () => {
    expect(siteConfig['ipSecurityRestrictionsDefaultAction']).toBe("'Deny'");
    expect(siteConfig['ipSecurityRestrictions']).toBe('concat([frontDoorRule], breakGlassRules)');
  });

  it("allows AzureFrontDoor.Backend only with this profile's id in X-Azure-FDID", () => {
    expect(frontDoorRule['action']).toBe("'Allow'");
    expect(frontDoorRule['tag']).toBe("'ServiceTag'");
    expect(frontDoorRule['ipAddress']).toBe("'AzureFrontDoor.Backend'");
    expect(frontDoorRule['headers']).toEqual({ 'x-azure-fdid': ['frontDoorId'] });
    // The id is the profile's own, handed from the Front Door module to each region.
    expect(controlPlane.param('frontDoorId')?.type).toBe('string');
    expect(at(main.module('controlPlane').value, 'params.frontDoorId')).toBe('frontDoor.outputs.frontDoorId');
    expect(frontDoor.outputs().find((o) => o.name === 'frontDoorId')?.value).toBe(
      'profile.properties.frontDoorId',
    );
  });

  it('gives the app the same id as FRONT_DOOR_ID, to trust X-Azure-SocketIP only from that profile', () => {
    expect(appSettings['FRONT_DOOR_ID']).toBe('frontDoorId');
  });

  it('allows each breakGlassCidrs range directly, as an Allow rule of its own after the Front Door rule', () => {
    const param = main.param('breakGlassCidrs');
    expect(param?.type).toBe('string[]');
    expect(param?.value, 'none by default').toEqual([]);
    expect(at(main.module('controlPlane').value, 'params.breakGlassCidrs')).toBe('breakGlassCidrs');
    expect(controlPlane.param('breakGlassCidrs')?.type).toBe('string[]');
    expect(breakGlass.loop).toEqual({ item: 'cidr', source: 'breakGlassCidrs' });
    expect(breakGlassRule['action']).toBe("'Allow'");
    expect(breakGlassRule['tag']).toBe("'Default'");
    expect(breakGlassRule['ipAddress']).toBe('cidr');
    expect(breakGlassRule['headers'], 'no Front Door header: these callers come directly').toBeUndefined();
    // One priority and one name per range, all after the Front Door rule.
    const [, base] = /^(\d+) \+ i$/.exec(expression(breakGlassRule['priority'], 'priority')) ?? [];
    expect(Number(base)).toBeGreaterThan(Number(frontDoorRule['priority']));
    expect(breakGlassRule['name']).toMatch(/\$\{i( \+ \d+)?\}/);
  });

  it('keeps the SCM site, through which azd deploys, off the main site’s rules', () => {
    expect(siteConfig['scmIpSecurityRestrictionsUseMain']).toBe('false');
  });

  it('is probed at /api/health, the anonymous health route, which the Front Door rule admits', () => {
    const probe = at(frontDoor.resource('originGroup').value, 'properties.healthProbeSettings');
    expect(at(probe, 'probePath')).toBe("'/api/health'");
    expect(at(probe, 'probeProtocol')).toBe("'Https'");
    const health = routes.find((spec) => spec.route === 'health');
    expect(health?.auth).toBe('anonymous');
    expect(health?.method).toBe(stringLiteral(at(probe, 'probeRequestType'), 'probeRequestType'));
  });
});

describe('the order of deployment', () => {
  it('makes the profile before the Function Apps, and their origins after them', () => {
    // The Front Door module needs nothing of the control plane…
    expect(JSON.stringify(main.module('frontDoor').value)).not.toMatch(/controlPlane/);
    // …whose host names become origins in a module of their own.
    expect(frontDoorOrigins.resources('Microsoft.Cdn/profiles/originGroups/origins')).toHaveLength(1);
    expect(frontDoorOrigins.resources('Microsoft.Cdn/profiles/afdEndpoints/routes')).toHaveLength(1);
    // The names are main.bicep's, known before anything is deployed (What-If can resolve them),
    // and the same for the module that creates the three and the one that adds to them.
    const names = {
      profileName: 'frontDoorProfileName',
      endpointName: 'frontDoorEndpointName',
      originGroupName: 'frontDoorOriginGroupName',
    };
    expect(at(main.module('frontDoorOrigins').value, 'params')).toEqual({
      ...names,
      originHostNames: 'originHostNames',
    });
    for (const [param, variable] of Object.entries(names)) {
      expect(at(main.module('frontDoor').value, `params.${param}`), param).toBe(variable);
    }
    expect(main.variable('originHostNames')).toBe('map(controlPlane, plane => plane.outputs.hostName)');
    for (const name of ['profile', 'endpoint', 'originGroup']) {
      expect(frontDoorOrigins.resource(name).existing, name).toBe(true);
      expect(frontDoor.resource(name).existing, name).toBeUndefined();
    }
    expect(at(frontDoorOrigins.resource('route').value, 'properties.patternsToMatch')).toEqual(["'/api/*'"]);
  });
});
