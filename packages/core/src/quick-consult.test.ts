import { describe, expect, it } from 'vitest';
import { QUICK_CONSULT_STATES, QUICK_CONSULT_TRANSITIONS, quickConsultActions } from './consultation.js';

describe('quick consult steps', () => {
  it('lets the expert answer, either side convert or close, while the consult is open or answered', () => {
    expect(quickConsultActions('expert', 'open')).toEqual(['answer', 'convert', 'close']);
    expect(quickConsultActions('asker', 'open')).toEqual(['convert', 'close']);
    expect(quickConsultActions('expert', 'answered')).toEqual(['answer', 'convert', 'close']);
  });

  it('ends in converted and closed: no step leaves them', () => {
    for (const side of ['asker', 'expert'] as const) {
      expect(quickConsultActions(side, 'converted')).toEqual([]);
      expect(quickConsultActions(side, 'closed')).toEqual([]);
    }
    for (const t of Object.values(QUICK_CONSULT_TRANSITIONS)) {
      expect(QUICK_CONSULT_STATES).toContain(t.to);
      expect(t.from).not.toContain('converted');
      expect(t.from).not.toContain('closed');
    }
  });
});
