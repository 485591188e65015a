/**
 * @module The words every domain shares: NTH's event kinds and monitor names.
 *
 * On the ground floor so that metrics, node, notify and incidents can name a
 * kind without importing the monitors (which sit above imds and below
 * incidents): arrows only point down.
 */

/** NTH's event kinds (`event.Kind`), kept verbatim for templates, events and metrics. */
export type EventKind = 'SPOT_ITN' | 'SCHEDULED_EVENT' | 'REBALANCE_RECOMMENDATION' | 'ASG_LIFECYCLE';

/** NTH's monitor names (`event.Monitor`), also the `event_error_where` metric label. */
export type MonitorName = 'SPOT_ITN_MONITOR' | 'SCHEDULED_EVENT_MONITOR' | 'REBALANCE_RECOMMENDATION_MONITOR' | 'ASG_LIFECYCLE_MONITOR';
