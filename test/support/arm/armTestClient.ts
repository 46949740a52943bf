/** Test helpers around the double: a real ComputeManagementClient pointed at it, and raw https calls for what the SDK will not send (no token). */
import { request } from 'node:https';
import { ComputeManagementClient, type ComputeManagementClientOptionalParams } from '@azure/arm-compute';
import type { TokenCredential } from '@azure/core-auth';
import type { ArmDouble } from './types';

export function computeClient(
  double: ArmDouble,
  subscriptionId: string,
  options: { credential?: TokenCredential } & ComputeManagementClientOptionalParams = {},
): ComputeManagementClient {
  const { credential, ...rest } = options;
  return new ComputeManagementClient(credential ?? double.credential, subscriptionId, {
    ...double.clientOptions(),
    ...rest,
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export async function rawRequest(
  double: ArmDouble,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<RawResponse> {
  const url = new URL(path, double.endpoint);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return await new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: double.ca,
        headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
