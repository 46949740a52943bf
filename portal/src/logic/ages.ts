/** Times and ages as an admin reads them: "3 h 20 min ago" rather than a count of minutes. */

/** An age in minutes, in the two largest units that say it ("just now" under a minute). */
export function formatAge(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes < 1) return 'less than a minute';
  const whole = Math.floor(minutes);
  const days = Math.floor(whole / 1440);
  const hours = Math.floor((whole % 1440) / 60);
  const mins = whole % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return mins > 0 ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}

/** Whole minutes from an ISO time to now (0 for a time in the future, as a clock skew would make). */
export function minutesSince(iso: string, now: number): number {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return Number.NaN;
  return Math.max(0, Math.floor((now - then) / 60_000));
}

/** "3 h 20 min ago", or "" for a missing or unreadable time. */
export function ageText(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const minutes = minutesSince(iso, now);
  if (Number.isNaN(minutes)) return '';
  return minutes < 1 ? 'just now' : `${formatAge(minutes)} ago`;
}

/** hh:mm:ss on the admin's clock, for "updated at". */
export function clockTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** A size in bytes, in the largest binary unit that keeps it at least 1. */
export function byteSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 || value >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${shown} ${units[unit]}`;
}
