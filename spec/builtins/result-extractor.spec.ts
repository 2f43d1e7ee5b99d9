import { expect } from 'chai';
import { ConfigurationError, RoutiluxError } from '../../lib/errors/errors.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { ResultExtractor } from '../../lib/builtins/result-extractor.js';
import { defaultExtractorOrder, findFencedBlocks, registerExtractor } from '../../lib/builtins/extractors.js';
import { runOne } from './helpers.js';

const fence = (lang: string, body: string): string => `\`\`\`${lang}\n${body}\n\`\`\``;

// Custom extractors are process-wide: these only match their own marker, so other specs see no difference.
registerExtractor('specCustomPrefix', (value) =>
  typeof value === 'string' && value.startsWith('CUSTOM:') ? { result: value.slice(7), format: 'custom', metadata: { method: 'prefix' } } : undefined,
);
registerExtractor('specConfident', (value) =>
  typeof value === 'string' && value.includes('<answer>') ? { result: /<answer>(.*)<\/answer>/.exec(value)![1], format: 'text', confidence: 0.99 } : undefined,
);
registerExtractor('specThrows', (value) => {
  if (value === 'THROW') throw new Error('extractor exploded');
  return undefined;
});

describe('ResultExtractor', () => {
  it('is registered and has input, trigger and output', () => {
    expect(defaultRegistry.get('ResultExtractor')).to.equal(ResultExtractor);
    const x = new ResultExtractor();
    expect(x.getSlot('trigger')).to.not.equal(undefined);
    expect(x.getEvent('output')!.outputParams).to.deep.equal(['extractedResult', 'format', 'metadata', 'confidence', 'extractionPath']);
  });

  describe('built-in extractors', () => {
    it('parses a fenced JSON block', () => {
      const out = runOne(new ResultExtractor(), { data: `Here you go:\n${fence('json', '{"key": "value"}')}\nBye` });
      expect(out.extractedResult).to.deep.equal({ key: 'value' });
      expect(out.format).to.equal('json');
      expect(out.confidence).to.equal(0.9);
      expect(out.extractionPath).to.deep.equal(['jsonCodeBlock']);
      expect(out.metadata).to.deep.include({ extractor: 'jsonCodeBlock', strategy: 'auto', blockCount: 1, blockIndex: 0 });
    });

    it('takes the last valid JSON block, skipping invalid later ones', () => {
      const text = [fence('json', '{"n": 1}'), fence('json', '{"n": 2}'), fence('json', '{not json')].join('\n');
      const out = runOne(new ResultExtractor(), { data: text });
      expect(out.extractedResult).to.deep.equal({ n: 2 });
      expect((out.metadata as Record<string, unknown>).blockIndex).to.equal(1);
    });

    it('accepts unlabelled fences holding JSON and ```{json} fences', () => {
      expect(runOne(new ResultExtractor(), { data: fence('', '[1, 2]') }).extractedResult).to.deep.equal([1, 2]);
      expect(runOne(new ResultExtractor(), { data: fence('{json}', '{"a": true}') }).extractedResult).to.deep.equal({ a: true });
    });

    it('parses a string that is JSON', () => {
      const out = runOne(new ResultExtractor(), { data: '  {"a": [1, 2]}  ' });
      expect(out).to.deep.include({ format: 'json', confidence: 0.85, extractionPath: ['jsonString'] });
      expect(out.extractedResult).to.deep.equal({ a: [1, 2] });
    });

    it('returns the last other code block as text, with its language as format', () => {
      const text = `${fence('python', 'print(1)')}\n${fence('bash', 'ls -la')}`;
      const out = runOne(new ResultExtractor(), { data: text });
      expect(out).to.deep.include({ extractedResult: 'ls -la', format: 'bash', confidence: 0.7, extractionPath: ['codeBlock'] });
    });

    it('limits code blocks to codeBlockLanguages', () => {
      const text = `${fence('python', 'print(1)')}\n${fence('bash', 'ls')}`;
      const out = runOne(new ResultExtractor({ codeBlockLanguages: ['python'] }), { data: text });
      expect(out).to.deep.include({ extractedResult: 'print(1)', format: 'python' });
    });

    it('joins interpreter output records', () => {
      const data = [
        { format: 'output', content: 'line 1' },
        { format: 'code', content: 'print(2)' },
        { format: 'output', content: '' },
        'line 2',
      ];
      const out = runOne(new ResultExtractor(), { data });
      expect(out).to.deep.include({ extractedResult: 'line 1\nline 2', format: 'interpreterOutput', confidence: 0.8 });
      expect(out.extractionPath).to.deep.equal(['interpreterOutput']);
    });

    it('passes plain objects and arrays through', () => {
      const obj = runOne(new ResultExtractor(), { data: { a: 1 } });
      expect(obj).to.deep.include({ extractedResult: { a: 1 }, format: 'object', confidence: 0.6, extractionPath: ['object'] });
      const arr = runOne(new ResultExtractor(), { data: [1, 2] });
      expect(arr).to.deep.include({ extractedResult: [1, 2], format: 'array', extractionPath: ['array'] });
    });

    it('lowers the confidence of empty results', () => {
      expect(runOne(new ResultExtractor(), { data: [] }).confidence).to.equal(0.3);
      expect(runOne(new ResultExtractor(), { data: fence('json', '{}') }).confidence).to.equal(0.6);
    });

    it('finds fenced blocks in document order', () => {
      expect(findFencedBlocks(`${fence('JSON', '1')} and ${fence('', 'x')}`)).to.deep.equal([
        { language: 'json', content: '1', index: 0 },
        { language: 'text', content: 'x', index: 1 },
      ]);
    });
  });

  describe('when nothing matches', () => {
    it('returns the original value with confidence 0 and its type name', () => {
      const out = runOne(new ResultExtractor(), { data: 'just prose' });
      expect(out).to.deep.include({ extractedResult: 'just prose', format: 'string', confidence: 0, extractionPath: [] });
      expect(out.metadata).to.deep.include({ extractor: 'none', strategy: 'auto' });
      expect(runOne(new ResultExtractor(), { data: 42 }).format).to.equal('number');
      expect(runOne(new ResultExtractor(), { data: null }).format).to.equal('null');
      expect(runOne(new ResultExtractor(), { data: '' }).format).to.equal('string');
    });

    it('throws when returnOriginalOnFailure is false', () => {
      const x = new ResultExtractor({ returnOriginalOnFailure: false });
      expect(() => x.getSlot('input')!.receive({ data: 'prose' })).to.throw(RoutiluxError, /no extractor matched a string value/);
    });
  });

  describe('switches', () => {
    it('turns each built-in off', () => {
      const json = fence('json', '{"a": 1}');
      expect(runOne(new ResultExtractor({ extractJsonBlocks: false }), { data: json }).format).to.equal('string');
      expect(runOne(new ResultExtractor({ parseJsonStrings: false }), { data: '{"a": 1}' }).format).to.equal('string');
      expect(runOne(new ResultExtractor({ extractCodeBlocks: false }), { data: fence('python', 'x') }).format).to.equal('string');
      const records = [{ format: 'output', content: 'hi' }];
      expect(runOne(new ResultExtractor({ formatInterpreterOutput: false }), { data: records }).format).to.equal('array');
    });
  });

  describe('strategies', () => {
    const mixed = `${fence('python', 'print(1)')}\n${fence('json', '{"ok": true}')}`;

    it('auto keeps the most confident result', () => {
      const out = runOne(new ResultExtractor(), { data: mixed });
      expect(out.extractionPath).to.deep.equal(['jsonCodeBlock']);
      const custom = runOne(new ResultExtractor(), { data: `${fence('json', '{"a":1}')} <answer>42</answer>` });
      expect(custom).to.deep.include({ extractedResult: '42', confidence: 0.99, extractionPath: ['specConfident'] });
    });

    it('first_match keeps the first result in default order', () => {
      const out = runOne(new ResultExtractor({ strategy: 'first_match' }), { data: `${fence('json', '{"a":1}')} <answer>42</answer>` });
      expect(out).to.deep.include({ extractedResult: { a: 1 }, extractionPath: ['jsonCodeBlock'] });
      expect((out.metadata as Record<string, unknown>).strategy).to.equal('first_match');
    });

    it('priority tries extractorPriority names first', () => {
      const out = runOne(new ResultExtractor({ strategy: 'priority', extractorPriority: ['codeBlock'] }), { data: mixed });
      expect(out).to.deep.include({ extractedResult: 'print(1)', format: 'python', extractionPath: ['codeBlock'] });
      const fallback = runOne(new ResultExtractor({ strategy: 'priority', extractorPriority: ['codeBlock'] }), { data: '{"a":1}' });
      expect(fallback.extractionPath).to.deep.equal(['jsonString']);
    });

    it('all keeps every result', () => {
      const out = runOne(new ResultExtractor({ strategy: 'all' }), { data: mixed });
      expect(out.format).to.equal('multi');
      expect(out.extractedResult).to.deep.equal([{ ok: true }, 'print(1)']);
      expect(out.extractionPath).to.deep.equal(['jsonCodeBlock', 'codeBlock']);
      expect(out.confidence).to.equal(0.9);
      const metadata = out.metadata as { count: number; extractions: Array<{ format: string }> };
      expect(metadata.count).to.equal(2);
      expect(metadata.extractions.map((e) => e.format)).to.deep.equal(['json', 'python']);
    });

    it('all falls back to the original value when nothing matches', () => {
      expect(runOne(new ResultExtractor({ strategy: 'all' }), { data: 'prose' })).to.deep.include({ format: 'string', confidence: 0 });
    });
  });

  describe('custom extractors', () => {
    it('run after the specific built-ins and before the generic fallbacks', () => {
      const order = defaultExtractorOrder();
      expect(order.slice(0, 4)).to.deep.equal(['interpreterOutput', 'jsonCodeBlock', 'jsonString', 'codeBlock']);
      expect(order.slice(-2)).to.deep.equal(['object', 'array']);
      expect(order.indexOf('specCustomPrefix')).to.be.greaterThan(3);
      expect(order.indexOf('specCustomPrefix')).to.be.lessThan(order.indexOf('specConfident'));
    });

    it('extract with default confidence 0.5 and their metadata', () => {
      const out = runOne(new ResultExtractor(), { data: 'CUSTOM:payload' });
      expect(out).to.deep.include({ extractedResult: 'payload', format: 'custom', confidence: 0.5, extractionPath: ['specCustomPrefix'] });
      expect(out.metadata).to.deep.include({ method: 'prefix', extractor: 'specCustomPrefix' });
    });

    it('record a throwing extractor and go on, or rethrow with continueOnError false', () => {
      const out = runOne(new ResultExtractor(), { data: 'THROW' });
      expect(out.format).to.equal('string');
      expect((out.metadata as { errors: unknown[] }).errors).to.deep.equal([{ extractor: 'specThrows', message: 'extractor exploded' }]);
      const strict = new ResultExtractor({ continueOnError: false });
      expect(() => strict.getSlot('input')!.receive({ data: 'THROW' })).to.throw('extractor exploded');
    });

    it('cannot replace a built-in and need a function', () => {
      expect(() => registerExtractor('jsonString', () => undefined)).to.throw(ConfigurationError, /built-in/);
      expect(() => registerExtractor('', () => undefined)).to.throw(ConfigurationError);
      expect(() => registerExtractor('x', 'nope' as never)).to.throw(ConfigurationError, /function/);
    });
  });

  describe('config', () => {
    it('rejects bad values at setConfig', () => {
      const x = new ResultExtractor();
      expect(() => x.setConfig({ strategy: 'best' })).to.throw(ConfigurationError, /strategy/);
      expect(() => x.setConfig({ extractorPriority: 'jsonString' })).to.throw(ConfigurationError, /extractorPriority/);
      expect(() => x.setConfig({ extractorPriority: ['nope'] })).to.throw(ConfigurationError, /unknown extractor 'nope'/);
      expect(() => x.setConfig({ extractJsonBlocks: 1 })).to.throw(ConfigurationError, /extractJsonBlocks/);
      expect(() => x.setConfig({ codeBlockLanguages: [1] })).to.throw(ConfigurationError, /codeBlockLanguages/);
      expect(() => x.setConfig({ returnOriginalOnFailure: 'no' })).to.throw(ConfigurationError, /returnOriginalOnFailure/);
      expect(x.config()).to.deep.equal({});
    });

    it('accepts registered names in extractorPriority', () => {
      const x = new ResultExtractor({ strategy: 'priority', extractorPriority: ['specCustomPrefix', 'jsonString'] });
      expect(x.getConfig('extractorPriority')).to.deep.equal(['specCustomPrefix', 'jsonString']);
    });
  });
});
