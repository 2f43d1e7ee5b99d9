import { expect } from 'chai';
import { ConfigurationError } from '../../lib/errors/errors.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { TextClipper, looksLikeStackTrace } from '../../lib/builtins/text-clipper.js';
import { runOne } from './helpers.js';

describe('TextClipper', () => {
  it('is registered under its class name and has input, trigger and output', () => {
    expect(defaultRegistry.get('TextClipper')).to.equal(TextClipper);
    const clip = new TextClipper();
    expect(clip.getSlot('input')).to.not.equal(undefined);
    expect(clip.getSlot('trigger')).to.not.equal(undefined);
    expect(clip.getEvent('output')!.outputParams).to.deep.equal(['clippedText', 'wasClipped', 'originalLength']);
  });

  it('passes short text through unchanged', () => {
    const out = runOne(new TextClipper(), { data: 'hello' });
    expect(out).to.deep.equal({ clippedText: 'hello', wasClipped: false, originalLength: 5 });
  });

  it('clips by whole lines and says how many lines were cut', () => {
    const out = runOne(new TextClipper({ maxLength: 10 }), { data: 'line one\nline two\nline three' });
    expect(out.clippedText).to.equal('line one\n[... 2 more lines clipped]');
    expect(out.wasClipped).to.equal(true);
    expect(out.originalLength).to.equal(28);
  });

  it('keeps as many whole lines as fit, counting newlines', () => {
    // 'aaaa\nbbbb' is 9 characters: fits in 9, not with the next line.
    const out = runOne(new TextClipper({ maxLength: 9 }), { data: 'aaaa\nbbbb\ncccc\ndddd' });
    expect(out.clippedText).to.equal('aaaa\nbbbb\n[... 2 more lines clipped]');
  });

  it('uses the singular for one clipped line', () => {
    const out = runOne(new TextClipper({ maxLength: 4 }), { data: 'aaaa\nbbbb' });
    expect(out.clippedText).to.equal('aaaa\n[... 1 more line clipped]');
  });

  it('cuts a single overlong line instead of dropping it', () => {
    const out = runOne(new TextClipper({ maxLength: 5 }), { data: 'abcdefghij' });
    expect(out.clippedText).to.equal('abcde\n[... 1 line clipped]');
    expect(out.wasClipped).to.equal(true);
    expect(out.originalLength).to.equal(10);
  });

  it('cuts an overlong first line and counts the rest', () => {
    const out = runOne(new TextClipper({ maxLength: 3 }), { data: 'abcdef\ngh\nij' });
    expect(out.clippedText).to.equal('abc\n[... 3 lines clipped]');
  });

  it('does not count a final newline as a line or as content', () => {
    expect(runOne(new TextClipper({ maxLength: 3 }), { data: 'abc\n' }).wasClipped).to.equal(false);
    const out = runOne(new TextClipper({ maxLength: 3 }), { data: 'abc\ndef\n' });
    expect(out.clippedText).to.equal('abc\n[... 1 more line clipped]');
  });

  it('handles empty input', () => {
    expect(runOne(new TextClipper(), { data: '' })).to.deep.equal({ clippedText: '', wasClipped: false, originalLength: 0 });
    expect(runOne(new TextClipper(), {})).to.deep.equal({ clippedText: '{}', wasClipped: false, originalLength: 2 });
  });

  it('turns non-string values into text (JSON for objects, String for numbers)', () => {
    expect(runOne(new TextClipper(), { data: 12345 }).clippedText).to.equal('12345');
    expect(runOne(new TextClipper(), { data: null }).clippedText).to.equal('null');
    const obj = runOne(new TextClipper({ maxLength: 12 }), { data: { a: 1, b: 2 } });
    expect(obj.originalLength).to.equal(JSON.stringify({ a: 1, b: 2 }, null, 2).length);
    expect(obj.clippedText).to.equal('{\n  "a": 1,\n[... 2 more lines clipped]');
  });

  it('uses the whole payload when it has no data key', () => {
    const out = runOne(new TextClipper(), { text: 'hi' });
    expect(out.clippedText).to.equal('{\n  "text": "hi"\n}');
  });

  it('defaults maxLength to 1000', () => {
    const out = runOne(new TextClipper(), { data: 'x'.repeat(1001) });
    expect(out.clippedText).to.equal(`${'x'.repeat(1000)}\n[... 1 line clipped]`);
  });

  it('works the same on the trigger slot', () => {
    const out = runOne(new TextClipper({ maxLength: 2 }), { data: 'abc' }, { slot: 'trigger' });
    expect(out.clippedText).to.equal('ab\n[... 1 line clipped]');
  });

  describe('preserveTracebacks', () => {
    const nodeStack = 'Error: boom\n    at run (/app/main.js:3:9)\n    at Object.<anonymous> (/app/index.js:1:1)';
    const python = 'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nValueError: bad';

    it('leaves stack traces whole by default', () => {
      const out = runOne(new TextClipper({ maxLength: 10 }), { data: nodeStack });
      expect(out).to.deep.equal({ clippedText: nodeStack, wasClipped: false, originalLength: nodeStack.length });
      expect(runOne(new TextClipper({ maxLength: 10 }), { data: python }).clippedText).to.equal(python);
    });

    it('clips stack traces when false', () => {
      const out = runOne(new TextClipper({ maxLength: 11, preserveTracebacks: false }), { data: nodeStack });
      expect(out.clippedText).to.equal('Error: boom\n[... 2 more lines clipped]');
      expect(out.wasClipped).to.equal(true);
    });

    it('detects Node, Java and Python traces but not prose', () => {
      expect(looksLikeStackTrace(nodeStack)).to.equal(true);
      expect(looksLikeStackTrace(python)).to.equal(true);
      expect(looksLikeStackTrace('Exception\n\tat com.acme.Main.run(Main.java:12)')).to.equal(true);
      expect(looksLikeStackTrace('    at file:///app/x.mjs:10:5')).to.equal(true);
      expect(looksLikeStackTrace('    at new Promise (<anonymous>)')).to.equal(true);
      expect(looksLikeStackTrace('we met at noon\nat the station')).to.equal(false);
      expect(looksLikeStackTrace('Traceback mentioned in passing')).to.equal(false);
    });
  });

  describe('config', () => {
    it('rejects a bad maxLength at setConfig', () => {
      const clip = new TextClipper();
      for (const bad of [0, -1, 1.5, '10', null]) {
        expect(() => clip.setConfig({ maxLength: bad })).to.throw(ConfigurationError, /maxLength/);
      }
      expect(clip.config()).to.deep.equal({});
    });

    it('rejects a non-boolean preserveTracebacks', () => {
      expect(() => new TextClipper().setConfig({ preserveTracebacks: 'yes' })).to.throw(ConfigurationError, /preserveTracebacks.*boolean/);
    });

    it('names the routine in the error', () => {
      const clip = new TextClipper();
      expect(() => clip.setConfig({ maxLength: -1 })).to.throw(ConfigurationError, new RegExp(`TextClipper '${clip.id}'`));
    });
  });
});
