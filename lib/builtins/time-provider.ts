import { Routine } from '../model/routine.js';
import type { ExecutionContext } from '../model/execution-context.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { boolean, checkConfig, configError, configValue, nonEmptyString, oneOf, string } from './config-checks.js';
import { defineInputSlots } from './input.js';
import { formatLocale, formatTime, usesStrftime } from './time-format.js';

/**
 * Config of {@link TimeProvider}.
 *
 * @example
 * ```ts
 * const config: TimeProviderConfig = { format: 'custom', customFormat: 'DD/MM/YYYY', timeZone: 'Europe/Paris' };
 * new TimeProvider(config);
 * ```
 */
export type TimeProviderConfig = {
  /** Which text `timeString` holds. Default `'iso'`. */
  format?: 'iso' | 'timestamp' | 'custom' | 'formatted';
  /** Token pattern for `'custom'` (see {@link formatTime}). Default `'YYYY-MM-DD HH:mm:ss'`. */
  customFormat?: string;
  /** BCP 47 locale for names and `formatted` (`en_US` is accepted as `en-US`). Default `'en-US'`. */
  locale?: string;
  /** IANA time zone for `custom` and `formatted`. Default: the process's local zone. */
  timeZone?: string;
  /** Whether `formatted` starts with the weekday. Default true. */
  includeWeekday?: boolean;
};

/** `en_US` → `en-US`: Python-style locale names are accepted rather than rejected. */
function normalizeLocale(locale: string): string {
  return locale.replace(/_/g, '-');
}

/**
 * Emits the current time of the flow's scheduler (`ctx.now()`, so virtual time in marble
 * tests; `Date.now()` outside a flow) on `output` when it receives anything on `input` or
 * `trigger`: `{ timeString, timestamp, datetime, formatted }`.
 *
 * - `timestamp`: milliseconds since the epoch (a number).
 * - `datetime`: ISO 8601 in UTC (`toISOString()`).
 * - `formatted`: locale-aware text in `locale` and `timeZone`, e.g. `Monday, January 1, 2024 at 09:30:00`.
 * - `timeString` by `format`: `'iso'` = `datetime`; `'timestamp'` = the milliseconds as text;
 *   `'custom'` = `customFormat` applied with tokens (`YYYY-MM-DD HH:mm:ss`, see {@link formatTime});
 *   `'formatted'` = `formatted`.
 *
 * Bad `format`, `locale`, `timeZone`, or a `customFormat` written with strftime directives
 * (`%Y`) fail at `setConfig` with a ConfigurationError.
 *
 * @example
 * ```ts
 * const clock = new TimeProvider({ format: 'custom', customFormat: 'YYYY-MM-DD', timeZone: 'UTC' });
 * clock.getEvent('output')!.asObservable().subscribe((o) => console.log(o.timeString)); // e.g. '2024-05-01'
 * clock.getSlot('trigger')!.receive({});
 * ```
 */
export class TimeProvider extends Routine {
  constructor(config?: TimeProviderConfig) {
    super();
    this.defineEvent('output', ['timeString', 'timestamp', 'datetime', 'formatted']);
    defineInputSlots(this, (_data, ctx) => this.tell(ctx));
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, {
      format: oneOf('iso', 'timestamp', 'custom', 'formatted'),
      customFormat: string,
      locale: nonEmptyString,
      timeZone: nonEmptyString,
      includeWeekday: boolean,
    });
    if (typeof next.customFormat === 'string' && usesStrftime(next.customFormat)) {
      configError(this, 'customFormat', "a token pattern such as 'YYYY-MM-DD HH:mm:ss' (not strftime '%Y')", next.customFormat);
    }
    if (typeof next.locale === 'string') {
      try {
        Intl.getCanonicalLocales(normalizeLocale(next.locale));
      } catch {
        configError(this, 'locale', "a BCP 47 locale such as 'en-US'", next.locale);
      }
    }
    if (typeof next.timeZone === 'string') {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: next.timeZone });
      } catch {
        configError(this, 'timeZone', "an IANA time zone such as 'UTC' or 'Europe/Paris'", next.timeZone);
      }
    }
  }

  private tell(ctx: ExecutionContext): void {
    const timestamp = ctx.now();
    const locale = normalizeLocale(configValue(this, 'locale', 'en-US'));
    const timeZone = configValue<string | undefined>(this, 'timeZone', undefined);
    const datetime = new Date(timestamp).toISOString();
    const formatted = formatLocale(timestamp, { locale, timeZone, weekday: configValue(this, 'includeWeekday', true) });
    let timeString: string;
    switch (configValue<string>(this, 'format', 'iso')) {
      case 'timestamp':
        timeString = String(timestamp);
        break;
      case 'custom':
        timeString = formatTime(timestamp, configValue(this, 'customFormat', 'YYYY-MM-DD HH:mm:ss'), { locale, timeZone });
        break;
      case 'formatted':
        timeString = formatted;
        break;
      default:
        timeString = datetime;
    }
    this.emit('output', { timeString, timestamp, datetime, formatted });
  }
}

registerRoutine('TimeProvider', TimeProvider);
