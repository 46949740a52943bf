/**
 * Priorities (src/adapters/arm/pacing/armPriority.ts): waiting calls go highest priority first,
 * first come first served within a priority; a low-priority call waits only while higher ones
 * take the tokens; the mark never leaves the process and holds for the SDK's retries. On virtual
 * time against the model of ARM's buckets (./armModel).
 */
import {
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
} from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { ArmPacer } from '../../../../src/adapters/arm/pacing/ArmPacer';
import {
  ArmPriority,
  armPriorityHeader,
  withArmPriority,
} from '../../../../src/adapters/arm/pacing/armPriority';
import { ArmModel, snapshotUrl, subscription } from './armModel';
import { virtualTime } from './virtualTime';

function setUp(limits = { capacity: 200, refillPerSecond: 10 }) {
  const timer = virtualTime('manual');
  const pacer = new ArmPacer(
    { emit: () => undefined },
    { region: 'westeurope', timer, maxWaitInMs: 600_000, limits: { write: limits } },
  );
  const arm = new ArmModel(timer, {
    read: [250, 25],
    write: [limits.capacity, limits.refillPerSecond],
    delete: [200, 10],
  });
  const put = (name: string, priority?: number) =>
    pacer.policy().sendRequest(
      createPipelineRequest({
        method: 'PUT',
        url: snapshotUrl(subscription, name),
        ...(priority === undefined
          ? {}
          : { headers: createHttpHeaders({ [armPriorityHeader]: String(priority) }) }),
      }),
      arm.send,
    );
  const order = () => arm.sent.map((s) => new URL(s.url).pathname.split('/').at(-1));
  return { timer, arm, put, order };
}

describe('ArmPacer priorities', () => {
  it('serves waiting calls highest priority first, first come first served within a priority', async () => {
    const { timer, arm, put, order } = setUp();
    // A 429 pauses the bucket for 5 s; meanwhile an activation's calls arrive mixed.
    arm.refuseNext = { count: 1, retryAfterSeconds: 5 };
    const refused = put('first');
    await timer.advance(100);
    await refused;
    const waiting = [
      put('disk-1', ArmPriority.recoveryDisk),
      put('nic-1', ArmPriority.recoveryNic),
      put('other-1'),
      put('vm-1', ArmPriority.recoveryVm),
      put('disk-2', ArmPriority.recoveryDisk),
      put('vm-2', ArmPriority.recoveryVm),
      put('nic-2', ArmPriority.recoveryNic),
      put('other-2', ArmPriority.normal),
    ];
    await timer.advance(10_000);
    await Promise.all(waiting);
    expect(order()).toEqual([
      'first',
      'vm-1',
      'vm-2',
      'nic-1',
      'nic-2',
      'disk-1',
      'disk-2',
      'other-1',
      'other-2',
    ]);
    // The mark never reached ARM.
    expect(arm.sent.every((s) => !(armPriorityHeader in s.headers))).toBe(true);
  });

  it('lets a low-priority call wait only while higher ones take the tokens: none of it is lost', async () => {
    const { timer, arm, put } = setUp({ capacity: 2, refillPerSecond: 1 });
    const probe = put('probe');
    await timer.advance(1_000);
    await probe;
    // Six disks wait; two seconds later four VMs arrive and go next, then the disks resume.
    const disks = Array.from({ length: 6 }, (_, i) => put(`disk-${i}`, ArmPriority.recoveryDisk));
    await timer.advance(2_000);
    const vmsAskedAt = timer.now;
    const vms = Array.from({ length: 4 }, (_, i) => put(`vm-${i}`, ArmPriority.recoveryVm));
    await timer.advance(20_000);
    await Promise.all([...disks, ...vms]);
    expect(arm.refused('arm')).toBe(0);
    const sentAt = (name: string) => arm.sent.find((s) => s.url.includes(`/snapshots/${name}?`))!.at;
    const lastVm = Math.max(...vms.map((_, i) => sentAt(`vm-${i}`)));
    const diskTimes = Array.from({ length: 6 }, (_, i) => sentAt(`disk-${i}`));
    // No disk went while a VM waited…
    expect(diskTimes.filter((t) => t > vmsAskedAt && t < lastVm)).toEqual([]);
    expect(diskTimes.filter((t) => t > vmsAskedAt).length).toBeGreaterThan(0);
    // …and the line never idled: the probe left one token, then one a second: ten calls by 9 s.
    expect(Math.max(...diskTimes, lastVm) - sentAt('probe')).toBeLessThanOrEqual(9_000);
  });

  it('keeps a call’s priority for the SDK’s retries, though its header is gone after the first attempt', async () => {
    const timer = virtualTime('manual');
    const pacer = new ArmPacer(
      { emit: () => undefined },
      {
        region: 'westeurope',
        timer,
        maxWaitInMs: 600_000,
        limits: { write: { capacity: 1, refillPerSecond: 1 } },
      },
    );
    const nameOf = (url: string) => new URL(url).pathname.split('/').at(-1)!;
    const asked: string[] = [];
    const attempts: { name: string; marked: boolean }[] = [];
    let answerFirst: (() => void) | undefined;
    const transport: HttpClient = {
      sendRequest: async (request) => {
        attempts.push({ name: nameOf(request.url), marked: request.headers.has(armPriorityHeader) });
        // The VM's first attempt fails (a 503 the SDK retries at once), when the test says.
        if (attempts.length === 1) {
          await new Promise<void>((resolve) => (answerFirst = resolve));
          return { request, status: 503, headers: createHttpHeaders() };
        }
        return { request, status: 200, headers: createHttpHeaders() };
      },
    };
    const pipeline = createPipelineFromOptions({
      retryOptions: { maxRetries: 3, retryDelayInMs: 0, maxRetryDelayInMs: 0 },
    });
    // Each attempt as it reaches the pacer (the SDK's retry waits on a real timer, however short).
    pipeline.addPolicy(
      { name: 'asked', sendRequest: (request, next) => (asked.push(nameOf(request.url)), next(request)) },
      { afterPhase: 'Sign' },
    );
    pipeline.addPolicy(pacer.policy(), { afterPolicies: ['asked'] });
    const request = (name: string, priority: number) =>
      createPipelineRequest({
        method: 'PUT',
        url: snapshotUrl(subscription, name),
        headers: createHttpHeaders({ [armPriorityHeader]: String(priority) }),
      });
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const vm = pipeline.sendRequest(transport, request('vm', ArmPriority.recoveryVm));
    await until(() => asked.length === 1);
    await timer.advance(1_000);
    await until(() => answerFirst !== undefined);
    // A disk asks while the VM's first attempt is out; the VM's retry asks after it, and goes first.
    const disk = pipeline.sendRequest(transport, request('disk', ArmPriority.recoveryDisk));
    await until(() => asked.length === 2);
    answerFirst!();
    await until(() => asked.length === 3);
    expect(asked).toEqual(['vm', 'disk', 'vm']);
    await timer.advance(5_000);
    await Promise.all([vm, disk]);
    expect(attempts.map((a) => a.name)).toEqual(['vm', 'vm', 'disk']);
    expect(attempts.some((a) => a.marked)).toBe(false);
  });

  it('builds the options an SDK call takes, keeping headers the caller set', () => {
    expect(withArmPriority(ArmPriority.recoveryNic)).toEqual({
      requestOptions: { headers: { [armPriorityHeader]: '2' } },
    });
    expect(
      withArmPriority(ArmPriority.recoveryVm, {
        updateIntervalInMs: 10,
        requestOptions: { headers: { 'x-ms-client-request-id': 'abc' } },
      }),
    ).toEqual({
      updateIntervalInMs: 10,
      requestOptions: { headers: { 'x-ms-client-request-id': 'abc', [armPriorityHeader]: '3' } },
    });
    expect(() => withArmPriority(1.5)).toThrow(RangeError);
  });
});
