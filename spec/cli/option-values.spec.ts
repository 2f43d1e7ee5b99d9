import { expect } from 'chai';
import fc from 'fast-check';
import { ConfigurationError } from '../../lib/index.js';
import { parseDuration, parseInteger, parseParams, parseStatuses } from '../../lib/cli/option-values.js';

describe('CLI option values', () => {
  it('property: a duration with a unit is that many units in ms; bad text is a ConfigurationError naming the option', () => {
    const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
    fc.assert(
      fc.property(fc.nat(100_000), fc.constantFrom(...(Object.keys(units) as Array<keyof typeof units>)), (n, unit) => {
        expect(parseDuration(`${n}${unit}`, '--older-than')).to.equal(n * units[unit]);
      }),
    );
    expect(parseDuration('250', '--x')).to.equal(250);
    expect(parseDuration('1.5s', '--x')).to.equal(1500);
    for (const bad of ['', 'soon', '-1s', '3w', '1e3']) expect(() => parseDuration(bad, '--older-than'), bad).to.throw(ConfigurationError, /--older-than: expected a duration/);
  });

  it('integers in range, params as a JSON object, statuses from the known ones', () => {
    expect(parseInteger('8080', '--port', 0, 65535)).to.equal(8080);
    for (const bad of ['-1', '65536', '1.5', 'x', '']) expect(() => parseInteger(bad, '--port', 0, 65535), bad).to.throw(ConfigurationError, /--port: expected an integer from 0 to 65535/);
    expect(parseParams('{"a":[1]}')).to.deep.equal({ a: [1] });
    expect(() => parseParams('null')).to.throw(ConfigurationError, /expected a JSON object/);
    expect(parseStatuses('completed, failed', '--status')).to.deep.equal(['completed', 'failed']);
    expect(() => parseStatuses(',', '--status')).to.throw(ConfigurationError, /at least one/);
  });
});
