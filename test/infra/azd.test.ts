/**
 * The azd conventions: azure.yaml's services are the tagged Function Apps, main.parameters.json
 * feeds main.bicep from the azd environment, every resource carries azd-env-name, the API's app
 * roles are the app's roles, and the README's Deploy section describes what infra/ creates.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allContainers } from '../../src/adapters/cosmos/containers';
import { PlatformRole, Roles } from '../../src/domain/roles';
import { QueueNames } from '../../src/queueNames';
import { asArray, at, infraDir, literal, type BicepValue } from './bicepFile';
import { controlPlane, frontDoor, main, modules, regionStorage, stringLiteral } from './deployment';

const root = join(infraDir, '..');
const azureYaml = readFileSync(join(root, 'azure.yaml'), 'utf8');
const parameters = JSON.parse(readFileSync(join(infraDir, 'main.parameters.json'), 'utf8')) as {
  parameters: Record<string, { value: string }>;
};

/** `services:` of azure.yaml: service name → its `key: value` lines. */
function services(): Map<string, Record<string, string>> {
  const block = /^services:\n((?: {2}.*\n|\n)*)/m.exec(azureYaml)?.[1] ?? '';
  const result = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of block.split('\n')) {
    const service = /^ {2}([\w-]+):\s*$/.exec(line);
    const property = /^ {4}(\w+):\s*(.+?)\s*$/.exec(line);
    if (service) result.set(service[1]!, (current = {}));
    else if (property && current) current[property[1]!] = property[2]!;
  }
  return result;
}

describe('azure.yaml', () => {
  it('deploys the one Function App project to the app of each control-plane region', () => {
    const regions = asArray(main.variable('controlPlaneRegions'), 'controlPlaneRegions');
    expect(at(main.module('controlPlane').value, 'params.serviceName')).toBe("'api${i + 1}'");
    const expected = regions.map((_, i) => `api${i + 1}`);
    expect([...services().keys()]).toEqual(expected);
    for (const [name, service] of services()) {
      expect(service, name).toEqual({ project: '.', language: 'ts', host: 'function', remoteBuild: 'true' });
    }
  });

  it("tags each Function App with its region's service name", () => {
    expect(at(controlPlane.resource('functionApp').value, 'tags')).toMatch(
      /^union\(tags, \{\s*'azd-service-name': serviceName\s*\}\)$/,
    );
    expect(
      controlPlane
        .resources()
        .filter((r) => JSON.stringify(at(r.value, 'tags') ?? '').includes('azd-service-name')),
    ).toHaveLength(1);
  });

  it('runs a preprovision hook that exists and can be executed', () => {
    const script = /preprovision:[\s\S]*?run:\s*(\S+)/.exec(azureYaml)?.[1];
    expect(script).toBeDefined();
    const path = join(root, script!);
    expect(existsSync(path)).toBe(true);
    expect(() => accessSync(path, constants.X_OK)).not.toThrow();
    expect(readFileSync(path, 'utf8')).toContain('azd env set AUTH_AUDIENCE');
  });
});

describe('main.bicep and main.parameters.json', () => {
  it('deploy at subscription scope, into a resource group tagged with the environment', () => {
    expect(main.declarations.find((d) => d.keyword === 'targetScope')?.value).toBe(
      "targetScope = 'subscription'",
    );
    expect(main.variable('tags')).toEqual({ 'azd-env-name': 'environmentName' });
    expect(at(main.resource('rg').value, 'tags')).toBe('tags');
  });

  it('take the environment name, location and principal from azd', () => {
    expect(parameters.parameters['environmentName']?.value).toBe('${AZURE_ENV_NAME}');
    expect(parameters.parameters['location']?.value).toBe('${AZURE_LOCATION}');
    expect(parameters.parameters['principalId']?.value).toBe('${AZURE_PRINCIPAL_ID}');
  });

  it('pass only parameters main.bicep declares, and every one it needs', () => {
    const declared = main.declarations.filter((d) => d.keyword === 'param');
    for (const name of Object.keys(parameters.parameters)) {
      expect(
        declared.map((d) => d.name),
        name,
      ).toContain(name);
    }
    for (const param of declared.filter((d) => d.value === undefined)) {
      expect(Object.keys(parameters.parameters), param.name).toContain(param.name);
    }
  });

  it('tag every resource of the modules with azd-env-name', () => {
    let tagged = 0;
    for (const file of modules) {
      // Child resources, role assignments and diagnostic settings take no tags of their own, and an
      // `existing` resource is tagged where it is deployed.
      const taggable = file.resources().filter((resource) => {
        const body = resource.value as Record<string, BicepValue>;
        return !resource.existing && body['parent'] === undefined && body['scope'] === undefined;
      });
      for (const resource of taggable) {
        const body = resource.value as Record<string, BicepValue>;
        expect(body['tags'], `${file.path} ${resource.name}`).toMatch(/^(tags|union\(tags, [\s\S]*\))$/);
      }
      if (taggable.length > 0) expect(file.param('tags')?.type, file.path).toBe('object');
      tagged += taggable.length;
    }
    expect(tagged).toBeGreaterThan(0);
  });
});

describe('the admin API app registration', () => {
  const roles = JSON.parse(readFileSync(join(infraDir, 'auth', 'appRoles.json'), 'utf8')) as {
    id: string;
    value: string;
    allowedMemberTypes: string[];
    isEnabled: boolean;
  }[];

  it("declares the app's roles, for users and applications", () => {
    expect(roles.map((r) => r.value)).toEqual([...Roles, PlatformRole]);
    for (const role of roles) {
      expect(role.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(role.allowedMemberTypes.sort()).toEqual(['Application', 'User']);
      expect(role.isEnabled).toBe(true);
    }
    expect(new Set(roles.map((r) => r.id)).size).toBe(roles.length);
  });
});

describe("the README's Deploy section", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = /^## Deploy\s*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1] ?? '';

  it('is there', () => expect(section.length).toBeGreaterThan(1000));

  /** A module resource's name as the docs write it: `func-api-<token>`. */
  function documentedName(file: (typeof modules)[number], resource: string): string {
    let name = at(file.resource(resource).value, 'name') as string;
    if (/^\w+$/.test(name)) name = file.variable(name) as string;
    const abbreviations = JSON.parse(readFileSync(join(infraDir, 'abbreviations.json'), 'utf8')) as Record<
      string,
      string
    >;
    return literal(
      name
        .replace(/\$\{abbrs\.(\w+)\}/g, (_, key: string) => abbreviations[key]!)
        .replace('${resourceToken}', '<token>'),
    )!;
  }

  it('tells how to deploy, with every environment value main.parameters.json reads, and how to tear down', () => {
    expect(section).toContain('azd up');
    expect(section).toContain('azd down');
    for (const { value } of Object.values(parameters.parameters)) {
      const variable = /^\$\{(\w+)/.exec(value)![1]!;
      expect(section, variable).toContain(`\`${variable}\``);
    }
    for (const service of services().keys()) expect(section).toContain(`\`${service}\``);
  });

  it('names the resources infra/ creates as infra/ names them', () => {
    const named: [(typeof modules)[number], string][] = [
      [controlPlane, 'functionApp'],
      [controlPlane, 'plan'],
      [controlPlane, 'hostStorage'],
      [controlPlane, 'serviceBus'],
      [controlPlane, 'appInsights'],
      [regionStorage, 'account'],
      [frontDoor, 'profile'],
      [frontDoor, 'endpoint'],
      [frontDoor, 'wafPolicy'],
      ...modules
        .filter((f) => /(cosmos|identity|logAnalytics)\.bicep$/.test(f.path))
        .map((f) => [f, f.resources()[0]!.name] as [(typeof modules)[number], string]),
    ];
    for (const [file, resource] of named)
      expect(section, `${file.path} ${resource}`).toContain(documentedName(file, resource));
  });

  it('lists the queues, containers and partition keys infra/ declares', () => {
    for (const queue of Object.values(QueueNames)) expect(section).toContain(`\`${queue}\``);
    for (const container of allContainers) {
      expect(section).toContain(`\`${container.id}\``);
      expect(section).toContain(`\`${container.partitionKeyPath}\``);
    }
    for (const name of asArray(regionStorage.variable('containerNames'), 'containerNames')) {
      expect(section).toContain(`\`${stringLiteral(name, 'container')}\``);
    }
  });

  it("states Front Door's health probe as configured", () => {
    const probe = at(frontDoor.resource('originGroup').value, 'properties.healthProbeSettings');
    expect(section).toContain(
      `${stringLiteral(at(probe, 'probeRequestType'), 'type')} ${stringLiteral(at(probe, 'probePath'), 'path')}`,
    );
    expect(section).toContain(`every ${at(probe, 'probeIntervalInSeconds') as string} s`);
  });

  it('names every role it grants', () => {
    for (const line of [controlPlane, regionStorage].flatMap((f) => f.text.split('\n'))) {
      const role = /'[0-9a-f-]{36}'\s*\/\/\s*(.+?)\s*$/.exec(line)?.[1];
      if (role) expect(section, role).toContain(role);
    }
    expect(section).toContain('Cosmos DB Built-in Data Contributor');
  });
});

describe('the deployment package (.funcignore)', () => {
  const ignored = readFileSync(join(root, '.funcignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('never ships local secrets and data: the local issuer key, emulator data, local settings', () => {
    for (const path of ['.data/', 'local.settings.json', 'test/', 'bench/', 'infra/']) {
      expect(ignored, path).toContain(path);
    }
  });

  it('keeps what the remote build needs', () => {
    const excludes = (path: string) =>
      ignored.some((pattern) =>
        pattern.endsWith('/')
          ? path.startsWith(pattern)
          : new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`).test(path),
      );
    expect(excludes('debug.log')).toBe(true);
    for (const path of [
      'src/index.ts',
      'package.json',
      'package-lock.json',
      'host.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ]) {
      expect(excludes(path), path).toBe(false);
    }
  });
});
