import { describe, expect, it } from 'vitest';
import type { LegProgress, LegState, RedemptionView } from '../backend';
import { liveLegs } from './progress';

const money = { amount: '1000', currency: 'KRW', en: '₩1,000', ko: '1,000원' };
const planned = {
  id: 'rx_1',
  legs: [0, 1].map((seq) => ({ seq, product: `p${seq}`, amount: money, fee: money })),
} as unknown as RedemptionView;

const event = (seq: number, state: LegState, id = 'rx_1', last_error: string | null = null): LegProgress => ({
  redemption_id: id,
  seq,
  state,
  last_error,
  provider_redemption_id: null,
});

describe('liveLegs', () => {
  it('shows every planned leg as queued before any event', () => {
    expect(liveLegs(planned, []).map((l) => l.state)).toEqual(['approved', 'approved']);
  });

  it('keeps the latest state of each leg and ignores other redemptions', () => {
    const legs = liveLegs(planned, [
      event(0, 'sent'),
      event(1, 'sent'),
      event(0, 'confirmed'),
      event(1, 'confirmed', 'rx_other'),
      event(1, 'outcome_unknown', 'rx_1', 'timed out'),
    ]);
    expect(legs.map((l) => [l.seq, l.state, l.last_error])).toEqual([
      [0, 'confirmed', null],
      [1, 'outcome_unknown', 'timed out'],
    ]);
  });
});
