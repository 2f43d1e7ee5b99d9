import { expect } from 'chai';
import { ConfigurationError } from '../../lib/errors/errors.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { TimeProvider } from '../../lib/builtins/time-provider.js';
import { formatLocale, formatTime } from '../../lib/builtins/time-format.js';
import { runOne } from './helpers.js';

// 2024-03-05T14:07:09.045Z, a Tuesday.
const FIXED = Date.UTC(2024, 2, 5, 14, 7, 9, 45);

/** Outside a flow ctx.now() is Date.now(); pin it so every format can be checked exactly. */
function atFixedTime<T>(fn: () => T): T {
  const real = Date.now;
  Date.now = () => FIXED;
  try {
    return fn();
  } finally {
    Date.now = real;
  }
}

describe('TimeProvider', () => {
  it('is registered and has input, trigger and output', () => {
    expect(defaultRegistry.get('TimeProvider')).to.equal(TimeProvider);
    const clock = new TimeProvider();
    expect(clock.getSlot('input')).to.not.equal(undefined);
    expect(clock.getEvent('output')!.outputParams).to.deep.equal(['timeString', 'timestamp', 'datetime', 'formatted']);
  });

  it('reads the clock of ctx.now() (Date.now outside a flow)', () => {
    const before = Date.now();
    const out = runOne(new TimeProvider(), {}, { slot: 'trigger' });
    const after = Date.now();
    expect(out.timestamp).to.be.a('number').within(before, after);
    expect(out.datetime).to.equal(new Date(out.timestamp as number).toISOString());
  });

  it("defaults to 'iso': timeString is the UTC ISO text", () => {
    const out = atFixedTime(() => runOne(new TimeProvider(), {}));
    expect(out).to.deep.include({ timeString: '2024-03-05T14:07:09.045Z', timestamp: FIXED, datetime: '2024-03-05T14:07:09.045Z' });
  });

  it("'timestamp' gives the milliseconds as text", () => {
    const out = atFixedTime(() => runOne(new TimeProvider({ format: 'timestamp' }), {}));
    expect(out.timeString).to.equal(String(FIXED));
  });

  it("'custom' applies the token pattern (default YYYY-MM-DD HH:mm:ss) in the configured zone", () => {
    const utc = atFixedTime(() => runOne(new TimeProvider({ format: 'custom', timeZone: 'UTC' }), {}));
    expect(utc.timeString).to.equal('2024-03-05 14:07:09');
    const tokyo = atFixedTime(() =>
      runOne(new TimeProvider({ format: 'custom', timeZone: 'Asia/Tokyo', customFormat: 'dddd D MMMM YYYY, h:mm A Z [(JST)]' }), {}),
    );
    expect(tokyo.timeString).to.equal('Tuesday 5 March 2024, 11:07 PM +09:00 (JST)');
  });

  it("'custom' without a zone uses the process's local time", () => {
    const out = atFixedTime(() => runOne(new TimeProvider({ format: 'custom', customFormat: 'YYYY-MM-DD HH:mm:ss.SSS' }), {}));
    const d = new Date(FIXED);
    const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
    const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
    expect(out.timeString).to.equal(local);
  });

  it("'formatted' is locale-aware text, also always given as formatted", () => {
    const out = atFixedTime(() => runOne(new TimeProvider({ format: 'formatted', locale: 'en-US', timeZone: 'UTC' }), {}));
    const expected = new Intl.DateTimeFormat('en-US', {
      timeZone: 'UTC', weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).format(FIXED);
    expect(out.timeString).to.equal(expected);
    expect(out.formatted).to.equal(expected);
    expect(out.timeString).to.match(/^Tuesday, March 5, 2024/);
    const iso = atFixedTime(() => runOne(new TimeProvider({ locale: 'en-US', timeZone: 'UTC' }), {}));
    expect(iso.formatted).to.equal(expected);
  });

  it('honours locale (Python-style en_US accepted) and includeWeekday', () => {
    const de = atFixedTime(() => runOne(new TimeProvider({ format: 'formatted', locale: 'de_DE', timeZone: 'UTC', includeWeekday: false }), {}));
    expect(de.timeString).to.equal(formatLocale(FIXED, { locale: 'de-DE', timeZone: 'UTC', weekday: false }));
    expect(de.timeString).to.not.match(/Dienstag/);
    expect(de.timeString).to.match(/März 2024/);
  });

  describe('formatTime', () => {
    it('supports every token and [literal] text', () => {
      const text = formatTime(FIXED, 'YY M D H h m s SSS a A ZZ X x ddd MMM [YYYY]', { timeZone: 'UTC' });
      expect(text).to.equal(`24 3 5 14 2 7 9 045 pm PM +0000 ${Math.floor(FIXED / 1000)} ${FIXED} Tue Mar YYYY`);
    });

    it('handles negative offsets and midnight', () => {
      expect(formatTime(Date.UTC(2024, 0, 1, 0, 0, 0), 'YYYY-MM-DD HH:mm hh A Z', { timeZone: 'America/New_York' })).to.equal(
        '2023-12-31 19:00 07 PM -05:00',
      );
      expect(formatTime(0, 'HH hh A', { timeZone: 'UTC' })).to.equal('00 12 AM');
    });
  });

  describe('config', () => {
    it('rejects bad values at setConfig', () => {
      const clock = new TimeProvider();
      expect(() => clock.setConfig({ format: 'unix' })).to.throw(ConfigurationError, /format/);
      expect(() => clock.setConfig({ customFormat: 5 })).to.throw(ConfigurationError, /customFormat/);
      expect(() => clock.setConfig({ customFormat: '%Y-%m-%d' })).to.throw(ConfigurationError, /strftime/);
      expect(() => clock.setConfig({ locale: 'not a locale!' })).to.throw(ConfigurationError, /locale/);
      expect(() => clock.setConfig({ locale: '' })).to.throw(ConfigurationError, /locale/);
      expect(() => clock.setConfig({ timeZone: 'Mars/Olympus' })).to.throw(ConfigurationError, /timeZone/);
      expect(() => clock.setConfig({ includeWeekday: 'no' })).to.throw(ConfigurationError, /includeWeekday/);
      expect(clock.config()).to.deep.equal({});
    });

    it('allows % inside [literal] parts', () => {
      const out = atFixedTime(() => runOne(new TimeProvider({ format: 'custom', customFormat: 'YYYY [%d]', timeZone: 'UTC' }), {}));
      expect(out.timeString).to.equal('2024 %d');
    });
  });
});
