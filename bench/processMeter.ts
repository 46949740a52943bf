/**
 * What a phase costs the machine, process by process (the control plane, which is this process,
 * Azurite and the Cosmos DB emulator): peak resident memory, CPU time, and the requests counted
 * while it ran.
 */
import type { Emulators } from './emulators';
import { cpuTimeMs, machineStealMs, peakRssKiB, resetPeakRss } from './emulators';
import type { RequestCounter, RequestTally } from './requestCounter';
import type { PhaseCpu, ProcessFigures } from './runDetails';
import { round, roundAll } from './stats';

/** /proc reports memory in KiB. */
const kibPerMib = 1024;

interface CpuReading {
  controlPlane: number;
  azurite: number;
  cosmos: number;
  steal: number | undefined;
}

/** A phase's result with what it cost. */
export interface Measured<T> {
  result: T;
  tally: RequestTally;
  /** MiB, unrounded. */
  peaks: ProcessFigures;
  cpu: PhaseCpu;
}

export class ProcessMeter {
  private readonly pids: { controlPlane: 'self'; azurite: number; cosmos: number };

  constructor(
    emulators: Pick<Emulators, 'azurite' | 'cosmos'>,
    private readonly devices: number,
    private readonly counter: RequestCounter,
  ) {
    this.pids = { controlPlane: 'self', azurite: emulators.azurite.pid!, cosmos: emulators.cosmos.pid! };
  }

  /** Each process's peak RSS since its last reset, in MiB. */
  readPeaks(): ProcessFigures {
    return {
      controlPlane: (peakRssKiB(this.pids.controlPlane) ?? process.resourceUsage().maxRSS) / kibPerMib,
      azurite: (peakRssKiB(this.pids.azurite) ?? 0) / kibPerMib,
      cosmos: (peakRssKiB(this.pids.cosmos) ?? 0) / kibPerMib,
    };
  }

  /** Starts each process's peak again from its current RSS; false where that is not possible. */
  resetPeaks(): boolean {
    return [this.pids.controlPlane, this.pids.azurite, this.pids.cosmos]
      .map((pid) => resetPeakRss(pid))
      .every(Boolean);
  }

  /** This process's peak RSS over its whole life, in MiB. */
  lifetimePeakMiB(): number {
    return round(process.resourceUsage().maxRSS / kibPerMib, 1);
  }

  readCpu(): CpuReading {
    return {
      controlPlane: cpuTimeMs(this.pids.controlPlane) ?? 0,
      azurite: cpuTimeMs(this.pids.azurite) ?? 0,
      cosmos: cpuTimeMs(this.pids.cosmos) ?? 0,
      steal: machineStealMs(),
    };
  }

  /** CPU used since `start` per device, and as cores kept busy over `wallMs`. */
  cpuSince(start: CpuReading, wallMs: number): PhaseCpu {
    const end = this.readCpu();
    const used = {
      controlPlane: end.controlPlane - start.controlPlane,
      azurite: end.azurite - start.azurite,
      cosmos: end.cosmos - start.cosmos,
    };
    return {
      msPerDevice: roundAll(
        {
          controlPlane: used.controlPlane / this.devices,
          azurite: used.azurite / this.devices,
          cosmos: used.cosmos / this.devices,
        },
        2,
      ),
      coresBusy: roundAll(
        {
          controlPlane: used.controlPlane / wallMs,
          azurite: used.azurite / wallMs,
          cosmos: used.cosmos / wallMs,
        },
        2,
      ),
      ...(end.steal !== undefined &&
        start.steal !== undefined && { stolenCores: round((end.steal - start.steal) / wallMs, 2) }),
    };
  }

  /** Runs `work` as one phase: its peaks from a reset, its CPU over its own wall time, its requests. */
  async measure<T>(work: () => Promise<T>, wallMsOf: (result: T) => number): Promise<Measured<T>> {
    this.resetPeaks();
    const cpuStart = this.readCpu();
    this.counter.begin();
    const result = await work();
    const tally = this.counter.end();
    return { result, tally, peaks: this.readPeaks(), cpu: this.cpuSince(cpuStart, wallMsOf(result)) };
  }
}
