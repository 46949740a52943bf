/** A clock the test sets by hand (`clock.time = …`), for the code's Clock port. */
export class TestClock {
  constructor(public time: number) {}
  now(): Date {
    return new Date(this.time);
  }
}
