/**
 * Token-based date formatting in any IANA time zone, on top of `Intl` (no dependency).
 * Tokens follow the day.js/moment convention JavaScript users know, not strftime.
 */

/** The calendar fields of an instant in a time zone. */
interface Fields {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number; // 0-23
  minute: number;
  second: number;
  millisecond: number;
  weekday: number; // 0 = Sunday
  offsetMinutes: number; // east of UTC
}

// Intl formatters are costly to build; one per (locale, zone, style) for the process.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, timeZone: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone ?? ''}|${JSON.stringify(options)}`;
  let fmt = formatters.get(key);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    formatters.set(key, fmt);
  }
  return fmt;
}

const NUMERIC: Intl.DateTimeFormatOptions = {
  hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
};

function fieldsOf(timestamp: number, timeZone: string | undefined): Fields {
  const parts: Record<string, number> = {};
  for (const part of formatter('en-US', timeZone, NUMERIC).formatToParts(timestamp)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const millisecond = ((Math.floor(timestamp) % 1000) + 1000) % 1000;
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!, millisecond);
  return {
    year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second!,
    millisecond,
    weekday: new Date(Date.UTC(parts.year!, parts.month! - 1, parts.day!)).getUTCDay(),
    offsetMinutes: Math.round((wall - Math.floor(timestamp)) / 60000),
  };
}

const TOKENS = /\[([^\]]*)]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|HH|H|hh|h|mm|m|ss|s|SSS|A|a|ZZ|Z|X|x/g;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function offset(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
}

/**
 * Formats `timestamp` (ms since the epoch) with tokens: `YYYY YY` year, `MMMM MMM MM M`
 * month (names in `locale`), `DD D` day, `dddd ddd` weekday name, `HH H` 24-hour, `hh h`
 * 12-hour, `mm m` minute, `ss s` second, `SSS` millisecond, `A a` AM/PM, `Z` `+02:00`, `ZZ`
 * `+0200`, `X` unix seconds, `x` unix milliseconds; `[text]` is literal. `timeZone` is an IANA
 * name; `undefined` is the process's local zone.
 *
 * @example
 * ```ts
 * formatTime(0, 'YYYY-MM-DD HH:mm:ss [UTC]Z', { timeZone: 'UTC' }); // '1970-01-01 00:00:00 UTC+00:00'
 * ```
 */
export function formatTime(
  timestamp: number,
  pattern: string,
  options: { locale?: string; timeZone?: string } = {},
): string {
  const locale = options.locale ?? 'en-US';
  const f = fieldsOf(timestamp, options.timeZone);
  const name = (opts: Intl.DateTimeFormatOptions): string => formatter(locale, options.timeZone, opts).format(timestamp);
  const hour12 = f.hour % 12 === 0 ? 12 : f.hour % 12;
  return pattern.replace(TOKENS, (token: string, literal: string | undefined) => {
    if (literal !== undefined) return literal;
    switch (token) {
      case 'YYYY': return String(f.year).padStart(4, '0');
      case 'YY': return pad(f.year % 100);
      case 'MMMM': return name({ month: 'long' });
      case 'MMM': return name({ month: 'short' });
      case 'MM': return pad(f.month);
      case 'M': return String(f.month);
      case 'DD': return pad(f.day);
      case 'D': return String(f.day);
      case 'dddd': return name({ weekday: 'long' });
      case 'ddd': return name({ weekday: 'short' });
      case 'HH': return pad(f.hour);
      case 'H': return String(f.hour);
      case 'hh': return pad(hour12);
      case 'h': return String(hour12);
      case 'mm': return pad(f.minute);
      case 'm': return String(f.minute);
      case 'ss': return pad(f.second);
      case 's': return String(f.second);
      case 'SSS': return pad(f.millisecond, 3);
      case 'A': return f.hour < 12 ? 'AM' : 'PM';
      case 'a': return f.hour < 12 ? 'am' : 'pm';
      case 'Z': return offset(f.offsetMinutes, true);
      case 'ZZ': return offset(f.offsetMinutes, false);
      case 'X': return String(Math.floor(timestamp / 1000));
      default: return String(timestamp); // 'x'
    }
  });
}

/**
 * Locale-aware long text of an instant, e.g. `Monday, January 1, 2024 at 09:30:00` in
 * `en-US` (the exact words come from `Intl.DateTimeFormat`).
 *
 * @example
 * ```ts
 * formatLocale(0, { locale: 'en-US', timeZone: 'UTC', weekday: true }); // 'Thursday, January 1, 1970 at 00:00:00'
 * ```
 */
export function formatLocale(timestamp: number, options: { locale?: string; timeZone?: string; weekday?: boolean } = {}): string {
  return formatter(options.locale ?? 'en-US', options.timeZone, {
    weekday: options.weekday === false ? undefined : 'long',
    year: 'numeric', month: 'long', day: 'numeric', hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).format(timestamp);
}

/**
 * Whether `pattern` uses strftime directives (`%Y`) outside `[literal]` parts: those are a
 * common mistake when coming from Python, so the routine rejects them at `setConfig`.
 *
 * @example
 * ```ts
 * usesStrftime('%Y-%m-%d'); // true
 * usesStrftime('YYYY [%d]'); // false
 * ```
 */
export function usesStrftime(pattern: string): boolean {
  return /%[A-Za-z]/.test(pattern.replace(/\[[^\]]*]/g, ''));
}
