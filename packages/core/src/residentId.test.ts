import { describe, expect, it } from 'vitest';
import { makeResidentId, maskResidentId, parseResidentId, residentIdCheckChar } from './residentId.js';

const TODAY = new Date('2026-11-22T00:00:00Z');

describe('resident ID numbers (GB 11643-1999)', () => {
  it('accepts the official sample 11010519491231002X: female, born 1949-12-31, area 110105', () => {
    expect(parseResidentId('11010519491231002X', TODAY)).toEqual({
      ok: true, value: { id: '11010519491231002X', areaCode: '110105', birthDate: '1949-12-31', sex: 'female' },
    });
  });

  it('accepts a lower-case x and surrounding spaces, and reads sex from the 17th digit', () => {
    expect(parseResidentId(' 11010519491231002x ', TODAY)).toMatchObject({ ok: true, value: { id: '11010519491231002X' } });
    const male = makeResidentId('330521', '1980-02-29', 'male', 7);
    expect(parseResidentId(male, TODAY)).toMatchObject({ ok: true, value: { sex: 'male', birthDate: '1980-02-29', areaCode: '330521' } });
  });

  it('does not refuse an area code that no longer exists (old 莱芜 371202)', () => {
    expect(parseResidentId(makeResidentId('371202', '1975-05-05', 'female', 3), TODAY).ok).toBe(true);
  });

  it.each([
    ['length', '1101051949123100', /18位/],
    ['length', '110105491231002', /18位/],
    ['characters', '11010519491231002A', /数字/],
    ['characters', '1101051949X231002X', /数字/],
    ['province', '99010519491231002X', /99/],
    ['birth_date', '110105194913310020', /出生日期/],
    ['birth_date', '110105190002290020', /19000229/],
    ['birth_date', '110105189912310020', /出生日期/],
    ['birth_date', '110105203001010020', /出生日期/],
    ['checksum', '110105194912310021', /校验位/],
  ])('refuses a wrong %s: %s', (problem, id, zh) => {
    const r = parseResidentId(id, TODAY);
    expect(r).toMatchObject({ ok: false, problem });
    if (!r.ok) {
      expect(r.zh).toMatch(zh);
      expect(r.en.length).toBeGreaterThan(10);
    }
  });

  it('computes the check character with weights mod 11 and makes valid IDs', () => {
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    for (let seq = 0; seq < 200; seq++) {
      const sex = seq % 2 ? 'male' : 'female';
      const id = makeResidentId('330521', '1990-01-15', sex, seq);
      expect(parseResidentId(id, TODAY)).toMatchObject({ ok: true, value: { sex } });
    }
  });

  it('masks an ID as 110***********002X', () => {
    expect(maskResidentId('11010519491231002X')).toBe('110***********002X');
    expect(maskResidentId(null)).toBeNull();
  });
});
