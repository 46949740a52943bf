import type { Container } from '@azure/cosmos';
import { ConflictError } from '../../domain/errors';
import type { Policy } from '../../domain/policy';
import type { PolicyStore } from '../../ports/PolicyStore';
import { statusOf } from './statusOf';

interface PolicyDocument extends Omit<Policy, 'version'> {
  _etag?: string;
}

/** Policies, partitioned by tenant beside nothing else: a tenant has a handful. */
export class CosmosPolicyStore implements PolicyStore {
  constructor(private readonly container: Container) {}

  async get(tenantId: string, id: string): Promise<Policy | undefined> {
    const { resource } = await this.container.item(id, tenantId).read<PolicyDocument>();
    return resource ? toPolicy(resource) : undefined;
  }

  async list(tenantId: string): Promise<Policy[]> {
    const { resources } = await this.container.items
      .query<PolicyDocument>(
        {
          query: 'SELECT * FROM c WHERE c.tenantId = @tenant ORDER BY c.id',
          parameters: [{ name: '@tenant', value: tenantId }],
        },
        { partitionKey: tenantId },
      )
      .fetchAll();
    return resources.map(toPolicy);
  }

  async drHostPools(backupRegion: string): Promise<{ tenantId: string; hostPoolId: string }[]> {
    const { resources } = await this.container.items
      .query<{ tenantId: string; hostPoolId: string }>({
        query:
          'SELECT c.tenantId, c.recovery.hostPoolId FROM c WHERE c.backupRegion = @region AND IS_DEFINED(c.recovery.hostPoolId)',
        parameters: [{ name: '@region', value: backupRegion }],
      })
      .fetchAll();
    // A pool several policies of a tenant name is one pool to sweep.
    const unique = new Map(resources.map((r) => [`${r.tenantId}\n${r.hostPoolId.toLowerCase()}`, r]));
    return [...unique.values()];
  }

  async create(policy: Policy): Promise<Policy> {
    try {
      const { resource } = await this.container.items.create<PolicyDocument>(toDocument(policy));
      return toPolicy(resource!);
    } catch (err) {
      if (statusOf(err) === 409)
        throw new ConflictError('policy-exists', `Policy ${policy.id} already exists`);
      throw err;
    }
  }

  async replace(policy: Policy, ifVersion?: string): Promise<Policy> {
    try {
      const { resource } = await this.container
        .item(policy.id, policy.tenantId)
        .replace<PolicyDocument>(
          toDocument(policy),
          ifVersion ? { accessCondition: { type: 'IfMatch', condition: ifVersion } } : {},
        );
      return toPolicy(resource!);
    } catch (err) {
      if (statusOf(err) === 412)
        throw new ConflictError(
          'precondition-failed',
          `Policy ${policy.id} was changed by someone else; read it again`,
        );
      throw err;
    }
  }

  async remove(tenantId: string, id: string): Promise<void> {
    try {
      await this.container.item(id, tenantId).delete();
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }
}

function toDocument(policy: Policy): PolicyDocument {
  const { version: _version, ...document } = policy;
  return document;
}

function toPolicy(document: PolicyDocument): Policy {
  const { _etag, ...rest } = document as PolicyDocument & Record<string, unknown>;
  const policy: Policy = {
    id: rest.id,
    tenantId: rest.tenantId,
    name: rest.name,
    backupRegion: rest.backupRegion,
    rpoHours: rest.rpoHours,
    retention: rest.retention,
    enabled: rest.enabled,
    createdAt: rest.createdAt,
    updatedAt: rest.updatedAt,
  };
  if (rest.contentCheck) policy.contentCheck = rest.contentCheck;
  if (rest.recovery) policy.recovery = rest.recovery;
  if (_etag) policy.version = _etag;
  return policy;
}
