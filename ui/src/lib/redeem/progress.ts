// Live leg states while a redemption is being sent: the planned legs, each with the latest
// progress event the backend emitted for it (events arrive in order per leg).
import type { LegProgress, LegState, RedemptionView } from '../backend';

export interface LiveLeg {
  seq: number;
  product: string;
  /** `approved` until the leg is committed as leaving, then as reported. */
  state: LegState;
  last_error: string | null;
}

export function liveLegs(planned: RedemptionView, events: readonly LegProgress[]): LiveLeg[] {
  const latest = new Map<number, LegProgress>();
  for (const e of events) {
    if (e.redemption_id === planned.id) latest.set(e.seq, e);
  }
  return planned.legs.map((leg) => {
    const e = latest.get(leg.seq);
    return {
      seq: leg.seq,
      product: leg.product,
      state: e?.state ?? 'approved',
      last_error: e?.last_error ?? null,
    };
  });
}
