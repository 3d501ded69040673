import { describe, expect, it } from 'vitest';
import { compatible, parsePortType, substituteTypeParams } from '../../runtime/port-types.js';

describe('port types', () => {
  it('parses named, tensor and any types', () => {
    expect(parsePortType('audio/pcm16k')).toEqual({ kind: 'named', name: 'audio/pcm16k' });
    expect(parsePortType('tensor[T,768]')).toEqual({ kind: 'shaped', name: 'tensor', dims: ['T', 768] });
    expect(parsePortType('features[T,D] | tensor[D]')).toEqual({
      kind: 'union',
      members: [
        { kind: 'shaped', name: 'features', dims: ['T', 'D'] },
        { kind: 'shaped', name: 'tensor', dims: ['D'] },
      ],
    });
    expect(parsePortType('any')).toEqual({ kind: 'any' });
    expect(() => parsePortType('Audio')).toThrow(/not one of/);
    expect(() => parsePortType('tensor[a b]')).toThrow(/bad dimension/);
  });

  it('substitutes params into dims', () => {
    expect(substituteTypeParams('tensor[T,${units}]', { units: 768 })).toBe('tensor[T,768]');
  });

  it('checks compatibility', () => {
    const t = (s: string) => parsePortType(s);
    expect(compatible(t('tensor[T,768]'), t('tensor[T,D]')).ok).toBe(true);
    expect(compatible(t('tensor[768]'), t('tensor[1027]'))).toEqual({ ok: false, reason: 'dimension 0 is 768 but 1027 is expected' });
    expect(compatible(t('tensor[768]'), t('tensor[T,D]')).ok).toBe(false);
    expect(compatible(t('audio/pcm16k'), t('text/words')).ok).toBe(false);
    expect(compatible(t('audio/pcm16k'), t('any')).ok).toBe(true);
    expect(compatible(t('audio/pcm16k'), t('tensor[D]')).ok).toBe(false);
    expect(compatible(t('features[T,D]'), t('tensor[T,D]')).ok).toBe(false);
    expect(compatible(t('tensor[768]'), t('tensor[D] | features[T,D]')).ok).toBe(true);
    expect(compatible(t('features[4]'), t('tensor[D] | features[T,D]')).ok).toBe(false);
  });
});
