import { describe, expect, it } from 'vitest';
import { nameSearchKeys } from './pinyin.js';

describe('name search keys', () => {
  it('gives full pinyin and initials', () => {
    expect(nameSearchKeys('张三')).toEqual({ pinyin: 'zhangsan', initials: 'zs' });
  });
  it('keeps both readings of a polyphonic surname', () => {
    expect(nameSearchKeys('单田芳')).toEqual({ pinyin: 'shantianfang dantianfang', initials: 'stf dtf' });
    expect(nameSearchKeys('曾志伟').initials.split(' ')).toContain('zzw');
  });
  it('writes ü as v, as typed on Chinese keyboards', () => {
    expect(nameSearchKeys('吕伟')).toEqual({ pinyin: 'lvwei', initials: 'lw' });
  });
});
