/**
 * The azd conventions in the files around the Bicep: azure.yaml's services and hook,
 * main.parameters.json feeding main.bicep from the azd environment, the API's app roles, the
 * deployment docs (docs/deploy.md), the deployment package. ./azdOutputs.test.ts checks the compiled
 * template against them: the tagged Function Apps, the outputs, the tags.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allContainers } from '../../src/adapters/cosmos/containers';
import { PlatformRole, Roles } from '../../src/domain/roles';
import { QueueNames } from '../../src/queueNames';
import { asArray, at, infraDir, literal } from './bicepFile';
import { azureYamlServices } from './deployed';
import {
  controlPlane,
  declaredName,
  frontDoor,
  frontDoorPortal,
  modules,
  portalSite,
  regionStorage,
  stringLiteral,
} from './deployment';

const root = join(infraDir, '..');
const azureYaml = readFileSync(join(root, 'azure.yaml'), 'utf8');
const parameters = JSON.parse(readFileSync(join(infraDir, 'main.parameters.json'), 'utf8')) as {
  parameters: Record<string, { value: string }>;
};

describe('azure.yaml', () => {
  it('deploys the one Function App project, built remotely, as every service', () => {
    expect(azureYamlServices().size).toBeGreaterThan(0);
    for (const [name, service] of azureYamlServices()) {
      expect(service, name).toEqual({ project: '.', language: 'ts', host: 'function', remoteBuild: 'true' });
    }
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
  it('take the environment name, location and principal from azd', () => {
    expect(parameters.parameters['environmentName']?.value).toBe('${AZURE_ENV_NAME}');
    expect(parameters.parameters['location']?.value).toBe('${AZURE_LOCATION}');
    expect(parameters.parameters['principalId']?.value).toBe('${AZURE_PRINCIPAL_ID}');
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

describe('docs/deploy.md', () => {
  // The README's Deploy section is a summary that links here.
  const section = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');

  it('is there', () => expect(section.length).toBeGreaterThan(1000));

  /** A module resource's name as the docs write it: `func-api-<token>`. */
  function documentedName(file: (typeof modules)[number], resource: string): string {
    const name = declaredName(file, file.resource(resource));
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
    for (const service of azureYamlServices().keys()) expect(section).toContain(`\`${service}\``);
  });

  it('names the resources infra/ creates as infra/ names them', () => {
    const named: [(typeof modules)[number], string][] = [
      [controlPlane, 'functionApp'],
      [controlPlane, 'plan'],
      [controlPlane, 'hostStorage'],
      [controlPlane, 'serviceBus'],
      [controlPlane, 'appInsights'],
      [regionStorage, 'account'],
      [portalSite, 'account'],
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

  it.each([
    ['the API', frontDoor],
    ['the portal', frontDoorPortal],
  ])("states Front Door's health probe of %s as configured", (_what, file) => {
    const probe = at(file.resource('originGroup').value, 'properties.healthProbeSettings');
    expect(section).toContain(
      `${stringLiteral(at(probe, 'probeRequestType'), 'type')} ${stringLiteral(at(probe, 'probePath'), 'path')}`,
    );
    expect(section).toContain(`every ${at(probe, 'probeIntervalInSeconds') as string} s`);
  });

  it('has the section on the admin portal, naming its hooks and its Front Door routes', () => {
    expect(section).toContain('## The admin portal');
    for (const text of [
      'postprovision',
      'postdeploy',
      '`/*`',
      '`/api/*`',
      '`/assets/*`',
      '`PORTAL_CLIENT_ID`',
    ]) {
      expect(section, text).toContain(text);
    }
  });

  it('names every role it grants', () => {
    for (const line of [controlPlane, regionStorage, portalSite].flatMap((f) => f.text.split('\n'))) {
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
