/** The current instant and the association's calendar day; injected so tests control time. */
export interface Clock {
  now(): Date;
  /** Today in the association's time zone, `YYYY-MM-DD`: the day membership dates are read against. */
  today(): string;
}

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of an instant in an IANA time zone. */
export function calendarDay(instant: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    // en-CA formats as YYYY-MM-DD.
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormats.set(timeZone, format);
  }
  return format.format(instant);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-CA", { timeZone });
    return true;
  } catch {
    return false;
  }
}

export class SystemClock implements Clock {
  constructor(private readonly timeZone = "UTC") {}

  now(): Date {
    return new Date();
  }

  today(): string {
    return calendarDay(this.now(), this.timeZone);
  }
}

/** A clock that moves only when told; for tests. */
export class ManualClock implements Clock {
  private current: Date;

  constructor(
    start: Date | string,
    private readonly timeZone = "UTC",
  ) {
    this.current = new Date(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  today(): string {
    return calendarDay(this.current, this.timeZone);
  }

  set(instant: Date | string): void {
    this.current = new Date(instant);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
