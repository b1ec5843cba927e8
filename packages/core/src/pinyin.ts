/** Search keys for Chinese names: full pinyin and initials, in surname mode and plain mode (单田芳 → shantianfang dantianfang / stf dtf). */
import { pinyin } from 'pinyin-pro';

export function nameSearchKeys(name: string): { pinyin: string; initials: string } {
  const variants = (pattern: 'pinyin' | 'first') => {
    // ü is written v, as on Chinese keyboards (吕 → lv).
    const opts = { toneType: 'none', type: 'array', pattern, v: true } as const;
    const a = pinyin(name, { ...opts, surname: 'head' }).join('').toLowerCase().replace(/[^a-z]/g, '');
    const b = pinyin(name, opts).join('').toLowerCase().replace(/[^a-z]/g, '');
    return a === b ? a : `${a} ${b}`;
  };
  return { pinyin: variants('pinyin'), initials: variants('first') };
}
