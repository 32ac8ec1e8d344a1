// What a drill request may ask for; out-of-range values are a 400 before anything happens.
import { t } from 'elysia';

export const MAX_LATENCY_MS = 30_000;
export const MAX_DRILL_SECONDS = 3_600;

export const DrillRequest = t.Object({
  mode: t.Union([t.Literal('kill'), t.Literal('latency'), t.Literal('errors'), t.Literal('off')]),
  /** latency: delay added to each request. */
  ms: t.Optional(t.Integer({ minimum: 1, maximum: MAX_LATENCY_MS })),
  /** latency and errors: how long the drill lasts before it ends on its own. */
  seconds: t.Optional(t.Number({ exclusiveMinimum: 0, maximum: MAX_DRILL_SECONDS })),
  /** errors: the fraction of requests that fail. */
  rate: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
});

export type Drill = typeof DrillRequest.static;

export const DrillState = t.Object({
  mode: t.String(),
  ms: t.Optional(t.Number()),
  rate: t.Optional(t.Number()),
  until: t.Optional(t.String()),
});

export type DrillState = typeof DrillState.static;
