import { expect } from 'chai';
import { ConfigurationError } from '../../lib/errors/errors.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { TextRenderer, renderValue } from '../../lib/builtins/text-renderer.js';
import { runOne } from './helpers.js';

describe('TextRenderer', () => {
  it('is registered and has input, trigger and output', () => {
    expect(defaultRegistry.get('TextRenderer')).to.equal(TextRenderer);
    const r = new TextRenderer();
    expect(r.getSlot('trigger')).to.not.equal(undefined);
    expect(r.getEvent('output')!.outputParams).to.deep.equal(['renderedText', 'originalType']);
  });

  describe('xml (default)', () => {
    it('renders fields as tags', () => {
      const out = runOne(new TextRenderer(), { data: { name: 'test', value: 42 } });
      expect(out).to.deep.equal({ renderedText: '<name>test</name>\n<value>42</value>', originalType: 'object' });
    });

    it('nests objects and arrays with indentation', () => {
      const out = runOne(new TextRenderer(), { data: { user: { name: 'Ada', tags: ['x', 'y'] }, ok: true } });
      expect(out.renderedText).to.equal(
        [
          '<user>',
          '  <name>Ada</name>',
          '  <tags>',
          '    <item index="0">x</item>',
          '    <item index="1">y</item>',
          '  </tags>',
          '</user>',
          '<ok>true</ok>',
        ].join('\n'),
      );
    });

    it('renders a top-level array as items', () => {
      const out = runOne(new TextRenderer(), { data: [1, { a: null }] });
      expect(out.renderedText).to.equal('<item index="0">1</item>\n<item index="1">\n  <a>null</a>\n</item>');
      expect(out.originalType).to.equal('array');
    });

    it('writes empty containers as empty tags and undefined as nothing', () => {
      const out = runOne(new TextRenderer(), { data: { a: {}, b: [], c: undefined } });
      expect(out.renderedText).to.equal('<a></a>\n<b></b>\n<c></c>');
    });

    it('uses the configured indent', () => {
      const out = runOne(new TextRenderer({ indent: '\t' }), { data: { a: { b: 1 } } });
      expect(out.renderedText).to.equal('<a>\n\t<b>1</b>\n</a>');
    });
  });

  describe('markdown', () => {
    it('renders fields as bullets and arrays as numbered lists', () => {
      const out = runOne(new TextRenderer({ format: 'markdown' }), { data: { name: 'Ada', langs: ['en', 'fr'], meta: { age: 36 } } });
      expect(out.renderedText).to.equal(
        ['- **name**: Ada', '- **langs**:', '  1. en', '  2. fr', '- **meta**:', '  - **age**: 36'].join('\n'),
      );
    });

    it('nests objects inside arrays and writes empty containers as JSON', () => {
      const out = runOne(new TextRenderer({ format: 'markdown' }), { data: [{ a: 1 }, [], {}] });
      expect(out.renderedText).to.equal('1.\n  - **a**: 1\n2. []\n3. {}');
    });
  });

  describe('cycles', () => {
    it('renders a self reference as [Circular] instead of recursing', () => {
      const a: Record<string, unknown> = { name: 'a' };
      a.self = a;
      const out = runOne(new TextRenderer(), { data: a });
      expect(out.renderedText).to.equal('<name>a</name>\n<self>[Circular]</self>');
    });

    it('detects indirect cycles through arrays, in markdown too', () => {
      const a: Record<string, unknown> = {};
      a.list = [a];
      expect(runOne(new TextRenderer(), { data: a }).renderedText).to.equal('<list>\n  <item index="0">[Circular]</item>\n</list>');
      expect(runOne(new TextRenderer({ format: 'markdown' }), { data: a }).renderedText).to.equal('- **list**:\n  1. [Circular]');
    });

    it('renders a shared (acyclic) value in both places', () => {
      const shared = { x: 1 };
      const out = runOne(new TextRenderer(), { data: { a: shared, b: shared } });
      expect(out.renderedText).to.equal('<a>\n  <x>1</x>\n</a>\n<b>\n  <x>1</x>\n</b>');
    });
  });

  describe('non-container values', () => {
    it('renders strings, numbers, null and dates as text with their type', () => {
      expect(runOne(new TextRenderer(), { data: 'plain' })).to.deep.equal({ renderedText: 'plain', originalType: 'string' });
      expect(runOne(new TextRenderer(), { data: 3.5 })).to.deep.equal({ renderedText: '3.5', originalType: 'number' });
      expect(runOne(new TextRenderer(), { data: null })).to.deep.equal({ renderedText: 'null', originalType: 'null' });
      expect(runOne(new TextRenderer(), { data: '' })).to.deep.equal({ renderedText: '', originalType: 'string' });
      const d = new Date(0);
      expect(runOne(new TextRenderer(), { data: { at: d } }).renderedText).to.equal('<at>1970-01-01T00:00:00.000Z</at>');
    });

    it('renders the whole payload when it has no data key, and {} as empty text', () => {
      expect(runOne(new TextRenderer(), { k: 'v' }).renderedText).to.equal('<k>v</k>');
      expect(runOne(new TextRenderer(), {})).to.deep.equal({ renderedText: '', originalType: 'object' });
    });

    it('is usable without a routine', () => {
      expect(renderValue({ a: 1 }, { markdown: true, indent: '  ' })).to.equal('- **a**: 1');
    });
  });

  describe('config', () => {
    it('rejects an unknown format and a non-string indent', () => {
      expect(() => new TextRenderer().setConfig({ format: 'html' })).to.throw(ConfigurationError, /format.*'xml', 'markdown'/);
      expect(() => new TextRenderer().setConfig({ indent: 2 })).to.throw(ConfigurationError, /indent/);
      expect(() => new TextRenderer({ format: 'yaml' as never })).to.throw(ConfigurationError);
    });
  });
});
