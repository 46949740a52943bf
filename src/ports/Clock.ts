/** The time, from one place, so scheduling and compliance can be tested on a controlled clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
